//! Authentication for targets: OAuth2 client credentials, private_key_jwt, SMART discovery, DPoP, mTLS.
