//! Compiles `proto/shoal.proto` into Rust at build time: protox parses it (pure Rust, so no
//! `protoc` needs to be installed) and tonic-prost-build generates the messages, the service
//! traits (servers) and the clients into `OUT_DIR/shoal.v1.rs`, which `src/pb.rs` includes.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/shoal.proto";
    println!("cargo:rerun-if-changed={proto}");
    let descriptors = protox::compile([proto], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
