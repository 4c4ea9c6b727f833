//! Service definitions: the files an agency writes, how they are checked, and the checked
//! model the rest of Diwan reads.

mod check_field;
mod check_workflow;
mod load;
mod model;
mod problem;
mod raw;

pub use check_field::{DEFAULT_ACCEPT, DEFAULT_MAX_SIZE, parse_iso_date};
pub use load::{SourceFile, SourceKind, load_catalog};
pub use model::*;
pub use problem::Problem;
