//! The results file (`"schema": "zonebench/1"`): what a run measured, with
//! enough context (`meta`, `config`) to be compared and reported later.

pub mod cell;
pub mod finding;
#[cfg(test)]
pub(crate) mod fixture;
pub mod io;
pub mod repeats;
pub mod schema;
pub mod topology;
pub mod torture;
pub mod validate;

pub use cell::{CellResult, Counters, Stall};
pub use schema::{Meta, ResultsFile, SCHEMA};
