import TestSupport
import Testing
import TextPipeline

@Suite(.onNumericsThreads) struct AGNewsNormalizerTests {
    @Test func decodesEntityDebrisWhoseAmpersandBecameASpace() {
        #expect(AGNewsNormalizer.normalize("Apple #39;s chief said quot;yes, quot; AT amp;T") == "Apple's chief said\"yes,\" AT&T")
        // Only after a space (or at the start) is a bare `quot;` debris: AG News never has it elsewhere.
        #expect(AGNewsNormalizer.normalize("yes,quot;") == "yes,quot;")
        #expect(AGNewsNormalizer.normalize("the  #36;10 million") == "the $10 million")
        #expect(AGNewsNormalizer.normalize("quot;Hi") == "\"Hi")
    }

    @Test func decodesFullEntities() {
        #expect(AGNewsNormalizer.normalize("&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;x&quot; &#39; &#x41;") == "<b>Bold</b> & \"x\" ' A")
    }

    @Test func readsNumericReferences128To159AsWindows1252() {
        // HTML5: &#151; is the em dash, &#146; the right single quote; both then map to ASCII.
        #expect(AGNewsNormalizer.normalize("war #151; peace, it #146;s") == "war- peace, it's")
        #expect(AGNewsNormalizer.normalize("&#0; &#xD800; &#1114112;") == "\u{FFFD} \u{FFFD} \u{FFFD}")
    }

    @Test func leavesWordsThatOnlyLookLikeEntitiesAlone() {
        for text in ["Camp; David", "it was built; then", "salt;", "&foo; #39", "# 39;", "#12345678;", "#;"] {
            #expect(AGNewsNormalizer.normalize(text) == text)
        }
    }

    @Test func decodesOnce() {
        #expect(AGNewsNormalizer.normalize("&amp;lt;") == "&lt;")
    }

    @Test func turnsBackslashLineBreaksIntoSpacesAndKeepsEscapedDollars() {
        #expect(AGNewsNormalizer.normalize(#"A second\team won \$10.5 million.\\Next"#) == "A second team won $10.5 million.  Next")
    }

    @Test func appliesNFKCThenMapsQuotesAndDashes() {
        #expect(Array(AGNewsNormalizer.normalize("ﬁnance ＡＢＣ Cafe\u{301} x²").utf8) == Array("finance ABC Caf\u{E9} x2".utf8))
        #expect(AGNewsNormalizer.normalize("“a” ‘b’ «c» ‹d› e–f g—h i‐j k−l m﹘n") == "\"a\" 'b' \"c\" 'd' e-f g-h i-j k-l m-n")
    }
}
