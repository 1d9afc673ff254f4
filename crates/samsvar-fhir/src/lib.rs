//! FHIR packages, definitions index and native profile validation.
