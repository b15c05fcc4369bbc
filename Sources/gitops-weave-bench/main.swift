// The entry point; the root command is in WeaveBench.swift.
WeaveBench.main()
