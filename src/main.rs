//! The `gleaner` binary: everything lives in the library, see `gleaner::cli`.

fn main() -> std::process::ExitCode {
    gleaner::cli::main()
}
