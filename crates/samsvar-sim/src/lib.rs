//! Reference SUT simulators (FHIR R4 server, XDS.b registry/repository) with switchable defects.
