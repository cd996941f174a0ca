//! Autocomplete interactions at 100k vendors in a loop, for callgrind (criterion's own work
//! and the other benches' set-up would drown them there). On one thread, so that callgrind
//! counts the tasks an interaction spawns with it. With `--wait`, the loop starts once a
//! line is read from stdin: time to turn callgrind's instrumentation on after the import.
//!
//! `valgrind --tool=callgrind --instr-atstart=no --toggle-collect='*answer_autocomplete*'
//! target/release/examples/autocomplete_calls 2000 --wait`, then `callgrind_control -i on`.

#[path = "../benches/common/autocomplete_endpoint.rs"]
#[expect(
    dead_code,
    reason = "the example sends its own mix of keystrokes, not the bench's"
)]
mod autocomplete_endpoint;
#[path = "bench_data/registry.rs"]
#[expect(dead_code, reason = "the example names vendors; it writes no plans file")]
mod registry;

use std::hint::black_box;

fn main() {
    let calls: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dispatcher = autocomplete_endpoint::dispatcher(&runtime, dir.path(), 100_000);
    let bodies: Vec<Vec<u8>> = (0..100)
        .map(|i| autocomplete_endpoint::interaction(&autocomplete_endpoint::typed(i * 97, 2 + 2 * (i % 2))))
        .collect();
    if std::env::args().any(|a| a == "--wait") {
        eprintln!("ready");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).expect("a line on stdin");
    }
    let mut answered = 0;
    for call in 0..calls {
        answered += usize::from(answer_autocomplete(&runtime, &dispatcher, &bodies[call % bodies.len()]) > 0);
    }
    println!("{answered} of {calls} answered");
}

/// One whole interaction as the HTTP endpoint answers it: the body in, the response's bytes
/// out (the quick way when it can, else the general way).
#[inline(never)]
fn answer_autocomplete(
    runtime: &tokio::runtime::Runtime,
    dispatcher: &backline::discord::Dispatcher,
    body: &[u8],
) -> usize {
    if let Some(response) = dispatcher.quick_answer(black_box(body)) {
        return response.len();
    }
    runtime
        .block_on(dispatcher.dispatch_body(black_box(body)))
        .map(|response| serde_json::to_vec(&response).map(|v| v.len()).unwrap_or(0))
        .unwrap_or(0)
}
