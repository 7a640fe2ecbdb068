//! pong: answers a ping with the value of its `PONG` environment variable and the greeting in
//! `/greeting.txt`. Both come from the policy (`env PONG = "demo";`, `mount "/" from "./dir";`),
//! never from the host.

fn main() {
    let pong = std::env::var("PONG").unwrap_or_else(|_| "(PONG is not set)".into());
    println!("ping -> pong {pong}");
    match std::fs::read_to_string("/greeting.txt") {
        Ok(greeting) => print!("{greeting}"),
        Err(e) => println!("(no greeting: {e})"),
    }
}
