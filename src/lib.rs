//! `tip-audit` audits AWS CloudTrail logs for lost *trusted identity propagation*: where a
//! person's request chain continues under a shared service role and the audit trail stops
//! naming them.
//!
//! The crate is a pipeline, one module per stage:
//!
//! 1. [`discover`] lists the input files and reads the S3 key layout;
//! 2. [`decode`] turns the bytes of one file into raw records, whatever the container;
//! 3. [`normalize`] turns a raw record into an [`event::Event`];
//! 4. [`estate`] folds each file's events into sessions and linking events, and merges files;
//! 5. [`link`] finds each session's parent and attributes sessions to people, in chains;
//! 6. [`findings`] turns chains into findings and shared roles;
//! 7. [`report`] renders the result.
//!
//! [`pipeline`] runs the stages in order; [`shard`] writes and reads the shard summaries that
//! carry the fold to another machine (`summarize`, `merge`); [`commands`] holds one file per
//! command, and [`identity`] the identity rules the stages share; [`timeline`] and [`who`] answer
//! an incident responder's questions from the linked result and a second pass over the files.

pub mod aws_ranges;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod decode;
pub mod directory;
pub mod discover;
pub mod estate;
pub mod event;
pub mod export;
pub mod findings;
pub mod identity;
pub mod link;
pub mod normalize;
pub mod origins;
pub mod pipeline;
pub mod policy;
pub mod progress;
pub mod report;
pub mod s3;
pub mod shard;
pub mod timeline;
pub mod triggers;
pub mod verify;
pub mod who;
