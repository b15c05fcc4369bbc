// The shared test helpers (Tests/TestSupport), visible to every file of this target, so that
// no test file's own imports have to change to use them.
@_exported import TestSupport
