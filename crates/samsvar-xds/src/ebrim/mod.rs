//! The ebRIM 3.0 registry object model used by XDS.b metadata, with readers and writers.

mod model;
mod read;
mod write;

pub use model::*;
pub use read::{read_object_list, read_registry_response};
pub use write::{write_object_list, write_registry_response};
