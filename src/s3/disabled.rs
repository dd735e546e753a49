//! Stands in for the S3 support in a build without the `s3` feature: an `s3://` input is an
//! error that says so, and no S3 object can exist, so every other module compiles unchanged.

use std::io;
use std::path::PathBuf;

use super::{Listing, Options};
use crate::discover::{Filter, Opened};

/// An S3 object: none can exist in this build.
#[derive(Debug, Clone)]
pub enum Object {}

impl Object {
    /// Opens the object for reading (never called: there is no object).
    pub fn open(&self) -> io::Result<Opened> {
        match *self {}
    }

    /// Its size as listed (never called: there is no object).
    pub fn size(&self) -> Option<u64> {
        match *self {}
    }
}

/// Reads nothing ahead: there is nothing to read.
pub struct ReadAhead;

/// Reads nothing ahead: there is nothing to read.
pub fn read_ahead(_objects: Vec<Object>) -> ReadAhead {
    ReadAhead
}

/// Refuses `s3://` inputs, naming the first.
pub fn list(inputs: &[PathBuf], _filter: &Filter, _options: &Options) -> anyhow::Result<Listing> {
    let shown = inputs
        .first()
        .map_or_else(String::new, |input| input.display().to_string());
    anyhow::bail!(
        "{shown}: this build of tip-audit reads no s3:// inputs (it was built without the `s3` \
         feature): copy the logs to disk first (aws s3 sync), or use a build with the default \
         features"
    )
}
