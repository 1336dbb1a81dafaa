using LivePoll.Server.Security;

namespace LivePoll.Tests.Security;

/// <summary>How text is cleaned where it enters: what XML 1.0 and a reader's eyes can carry stays, the rest goes.</summary>
public sealed class InputTextTests
{
    [Theory]
    [InlineData("Plain Қазақ мәтіні", false, "Plain Қазақ мәтіні")]
    [InlineData("Vertical\u000btab", false, "Vertical tab")]
    [InlineData("Vertical\u000btab", true, "Vertical\ntab")]
    [InlineData("a\r\nb\rc\fd\u0085e", true, "a\nb\nc\nd\ne")]
    [InlineData("a\r\nb\tc", false, "a b c")]
    [InlineData("a\tb\nc", true, "a\tb\nc")]
    [InlineData("\u0000a\u0001b\u001fc\u007fd\u0080e\u009f", true, "abcde")]
    [InlineData("non\ufffechar\uffff\ufdd0acters", false, "noncharacters")]
    [InlineData("emoji 😀 stays", false, "emoji 😀 stays")]
    [InlineData("plane noncharacter \U0001FFFE goes", false, "plane noncharacter  goes")]
    public void Text_is_cleaned_by_the_rule(string text, bool multiline, string expected)
    {
        Assert.Equal(expected, InputText.Clean(text, multiline));
        Assert.True(InputText.IsClean(expected, multiline));
        Assert.Equal(text == expected, InputText.IsClean(text, multiline));
    }

    [Fact]
    public void Clean_text_is_returned_as_it_is_and_the_first_unclean_character_is_named()
    {
        const string clean = "Бір уақыт белдеуі";
        Assert.Same(clean, InputText.Clean(clean));
        Assert.Null(InputText.Clean(null));
        Assert.Null(InputText.FirstUnclean(clean));
        Assert.Equal("U+000B", InputText.FirstUnclean("https://a/\u000b\u0001"));
        // (Attribute arguments cannot hold a lone surrogate: the compiler stores them as UTF-8.)
        Assert.Equal("lone  high, lone  low", InputText.Clean("lone \ud800 high, lone \udc00 low"));
        Assert.Equal("U+D800", InputText.FirstUnclean("x\ud800"));
        Assert.Equal("U+1FFFE", InputText.FirstUnclean("x\U0001FFFE"));
    }
}
