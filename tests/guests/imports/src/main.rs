//! A command that imports interfaces outside WASI's registry and calls them only when `CALL`
//! says so (`kv` or `ping`): the tests check what `allow import` and `deny import` make of them.

wit_bindgen::generate!({
    path: "wit",
    world: "virtc-tests:imports/guest",
    generate_all,
});

fn main() {
    println!("start");
    match std::env::var("CALL").as_deref() {
        Ok("kv") => match wasi::keyvalue::store::open("default") {
            Ok(_) => println!("opened"),
            Err(e) => println!("open failed: {e:?}"),
        },
        Ok("ping") => println!("{}", example::pong::pingpong::ping("ping")),
        _ => {}
    }
    println!("done");
}
