//! The security suite (issue 14): each defect found by attacking the server, as a test that
//! failed before its fix, on both backends where the backend matters.

mod contract;
mod demo;
mod erasure;
mod free_text;
mod models;
mod nul;
mod retention;
mod scopes;
mod signin;
mod slow_clients;
