import Testing
import TestSupport

/// The unified diff that golden comparisons print, checked against what `diff -u` prints for
/// the same texts, so that it cannot rot unnoticed.
@Suite("GoldenDiff: unified diffs of expected and actual text")
struct GoldenDiffTests {
    static let expected = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app
          namespace: default
        data:
          a: "1"
          b: "2"
          c: "3"
          d: "4"
          e: "5"
          f: "6"
          g: "7"
          h: "8"
          i: "9"

        """

    static let actual = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app
          namespace: prod
        data:
          a: "1"
          b: "2"
          c: "3"
          d: "4"
          e: "5"
          f: "6"
          g: "7"
          h: "eight"
          h2: "8.5"
          i: "9"

        """

    @Test("two changes far apart: two hunks with 3 lines of context, headers, counts")
    func twoHunks() {
        #expect(GoldenDiff.unified(expected: Self.expected, actual: Self.actual, name: "cm.yaml") == """
            --- expected/cm.yaml
            +++ actual/cm.yaml
            @@ -2,7 +2,7 @@
             kind: ConfigMap
             metadata:
               name: app
            -  namespace: default
            +  namespace: prod
             data:
               a: "1"
               b: "2"
            @@ -11,5 +11,6 @@
               e: "5"
               f: "6"
               g: "7"
            -  h: "8"
            +  h: "eight"
            +  h2: "8.5"
               i: "9"

            """)
    }

    @Test("changes 6 lines apart share one hunk")
    func mergedHunk() {
        #expect(GoldenDiff.unified(expected: "a\nb\nc\nd\ne\nf\ng\nh\n", actual: "a\nB\nc\nd\ne\nf\ng\nH\n", name: "x") == """
            --- expected/x
            +++ actual/x
            @@ -1,8 +1,8 @@
             a
            -b
            +B
             c
             d
             e
             f
             g
            -h
            +H

            """)
    }

    @Test("a line added at the start, and a last line that lost its newline")
    func missingNewline() {
        #expect(GoldenDiff.unified(expected: "one\ntwo\nthree\n", actual: "zero\none\ntwo\nthree", name: "x") == """
            --- expected/x
            +++ actual/x
            @@ -1,3 +1,4 @@
            +zero
             one
             two
            -three
            +three
            \\ No newline at end of file

            """)
    }

    @Test("from an empty text: an empty old range")
    func fromEmpty() {
        #expect(GoldenDiff.unified(expected: "", actual: "x\n", name: "x") == "--- expected/x\n+++ actual/x\n@@ -0,0 +1 @@\n+x\n")
    }

    @Test("equal texts: no diff")
    func equal() {
        #expect(GoldenDiff.unified(expected: Self.expected, actual: Self.expected, name: "cm.yaml") == "")
    }
}
