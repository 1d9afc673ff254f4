//! Run records, evidence bundles, JWS signing and verification, report renderers.
