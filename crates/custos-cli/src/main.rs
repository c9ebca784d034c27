//! The `custos` binary. Everything lives in the library; `main` only reports errors and sets
//! the exit code.

fn main() -> std::process::ExitCode {
    custos_cli::main()
}
