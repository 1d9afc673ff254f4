//! A small FHIRPath interface over a maintained FHIRPath engine.
