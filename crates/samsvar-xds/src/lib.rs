//! IHE XDS.b: SOAP 1.2, MTOM/XOP, ITI-41/18/43, ebRIM metadata validation.
