//! Integration tests: the plans file, both storage backends, the command core, the CLI, and
//! Discord over the signed HTTP endpoint and a fake gateway.

mod contract;
mod fake_discord;
mod fixtures;
mod helpers;

mod case_queries;
mod cases;
mod cli;
mod core;
mod endpoint;
mod endpoint_fuzz;
mod endpoint_workflows;
mod findings;
mod gateway;
mod hours_dst;
mod notify_split;
mod plans_file;
mod properties;
mod registry_cache;
mod resilience;
mod serve;
mod serve_limits;
mod serve_probes;
mod store;
mod store_faults;
mod surfaces;
mod text_rules;
mod upgrade;
mod upkeep;
