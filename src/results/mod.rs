//! The results file (`"schema": "zonebench/1"`): what a run measured, with
//! enough context (`meta`, `config`) to be compared and reported later.

pub mod io;
pub mod schema;

pub use schema::{Meta, ResultsFile, SCHEMA};
