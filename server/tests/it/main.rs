//! Integration tests: storage and service on SQLite and PostgreSQL, and the HTTP surface
//! through the router. One binary, so the large dependency graph is linked once.
//!
//! PostgreSQL tests need `CLOSELOOP_TEST_PG_URL` (an admin URL; `scripts/test` sets it up).
//! They fail, never skip, when it is missing or the server is unreachable.

mod support;

mod api;
mod board;
mod calendar;
mod capture;
mod compliance;
mod concurrency;
mod crash;
mod dedupe;
mod faults;
mod fields;
mod forecast;
mod hostile;
mod http;
mod import;
mod instances;
mod intake;
mod live;
mod mailbox;
mod openapi;
mod operations;
mod people;
mod pipelines;
mod policy;
mod polish;
mod quotas;
mod quote;
mod recognition;
mod review;
mod roi;
mod routing;
mod schema;
mod score;
mod security;
mod shutdown;
mod slow;
mod storage;
mod sweep;
mod today;
mod trust;
mod wall;
mod webhooks;
mod work;
