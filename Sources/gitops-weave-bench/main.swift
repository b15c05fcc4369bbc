// The entry point; the commands live in WeaveBench.swift and EngineBenchmark.swift.
WeaveBench.main()
