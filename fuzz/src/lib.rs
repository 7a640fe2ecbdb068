//! What the fuzz targets share: an in-memory database (a fuzz input never reads a host file),
//! the properties every policy text must have (lex, parse, check, format), and small components
//! built around fuzzed data.

pub mod component;
pub mod db;
pub mod policy;
pub mod structured;
