//! pong: answers a ping with the value of its `PONG` environment variable. The value comes from
//! the policy (`env PONG = "demo";`), never from the host.

fn main() {
    let pong = std::env::var("PONG").unwrap_or_else(|_| "(PONG is not set)".into());
    println!("ping -> pong {pong}");
}
