fn main() -> std::process::ExitCode {
    assent::cli::main()
}
