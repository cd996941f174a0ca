//! Integration tests: the plans file, both storage backends, the command core, the CLI, and
//! Discord over the signed HTTP endpoint and a fake gateway.

mod contract;
mod fake_discord;
mod fake_status;
mod fixtures;
mod helpers;

mod autocomplete;
mod case_batches;
mod case_queries;
mod cases;
mod cli;
mod core;
mod directory;
mod discord_ready;
mod endpoint;
mod endpoint_fuzz;
mod endpoint_workflows;
mod findings;
mod gateway;
mod hours_dst;
mod metrics;
mod notify_split;
mod operations;
mod plans_file;
mod plans_status;
mod pre_commit;
mod properties;
mod registry_cache;
mod replicas;
mod resilience;
mod serve;
mod serve_limits;
mod serve_probes;
mod status_fetch;
mod status_runtime;
mod store;
mod store_faults;
mod surfaces;
mod text_rules;
mod upgrade;
mod upkeep;
