using LivePoll.Contracts;
using LivePoll.Server.Live;
using LivePoll.Server.Storage;
using Microsoft.Extensions.Options;

namespace LivePoll.Server.Feed;

/// <summary>Publishes scheduled articles when their time comes; on every node, each article once.</summary>
public sealed class FeedScheduler(FeedService feed, IOptions<FeedOptions> options, TimeProvider clock, ILogger<FeedScheduler> logger)
    : PeriodicService(TimeSpan.FromMilliseconds(options.Value.ScheduleCheckIntervalMs), clock)
{
    protected override Task TickAsync(CancellationToken stoppingToken) => feed.PublishDueAsync();

    protected override void OnStoreError(Exception error) => FeedLog.ScheduleFailed(logger, error.Message);
}

/// <summary>
/// On the embedded store: the seed page's article (photo credit polisia.kz, its paragraphs and quote) and a
/// few items across the last three days, so the day headings show at once.
/// </summary>
public sealed class FeedDemoData(FeedStore store, StoreConnection connection, IOptions<FeedOptions> options,
    FeedRelay relay, TimeProvider clock, ILogger<FeedDemoData> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!connection.IsEmbedded || !options.Value.SeedDemoData || await store.LastSequenceAsync() > 0)
        {
            return;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        (string Title, string Body, double HoursAgo, bool KeyEvent)[] earlier =
        [
            ("Алматыда жаңа метро бекеті ашылды", "<p>Қала әкімдігі жаңа бекеттің жолаушылар үшін ашылғанын хабарлады.</p>", 50, false),
            ("Астанада қар жауады деп күтілуде", "<p>Синоптиктер аптаның соңына дейін қар мен боранды болжайды.</p>", 28, false),
            ("Ұлттық банк базалық мөлшерлемені өзгеріссіз қалдырды", "<p>Шешім инфляцияның баяулауымен түсіндірілді.</p>", 26, true),
        ];
        foreach (var (title, body, hoursAgo, keyEvent) in earlier)
        {
            await PublishAsync(new Article
            {
                Id = await store.NextIdAsync(),
                State = ArticleState.Published,
                Title = title,
                Body = body,
                Language = "kk",
                KeyEvent = keyEvent,
                PublishedAt = now.AddHours(-hoursAgo),
                UpdatedAt = now.AddHours(-hoursAgo),
            });
        }
        await PublishAsync(new Article
        {
            Id = await store.NextIdAsync(),
            State = ArticleState.Published,
            Title = "ІІМ: Қазақстанда киберқылмысқа қарсы күрес күшейтілуде",
            Lead = "Ішкі істер министрлігінің құрылымында киберқылмысқа қарсы іс-қимыл департаменті құрылды.",
            Body = SeedArticleBody,
            ImageUrl = "/img/demo/cybercrime.svg",
            ImageCredit = "polisia.kz",
            SourceName = "Polisia.kz",
            SourceUrl = "https://polisia.kz",
            Tags = ["киберқылмыс", "ІІМ"],
            Language = "kk",
            Pinned = true,
            KeyEvent = true,
            PublishedAt = now.AddMinutes(-20),
            UpdatedAt = now.AddMinutes(-20),
        });
        FeedLog.DemoFeedSeeded(logger, earlier.Length);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task PublishAsync(Article article)
    {
        var change = await store.ChangeAsync(article, 0, FeedEventKind.Published, 0, article.PublishedAt!.Value);
        await relay.NotifyAsync(change.Sequence);
    }

    private const string SeedArticleBody = """
        <p>Мемлекет басшысының тапсырмасына сәйкес ішкі істер министрлігінің құрылымында киберқылмысқа қарсы іс-қимыл департаменті құрылды. Бұл бөлім интернет-алаяқтықты ашумен ғана айналыспайды, сонымен қатар қылмыстың алдын алу, ұйымдастыру жұмыстары және осы саладағы заңнаманы жетілдіру функцияларын орындайды.</p>
        <p>Ағымдағы жылдың бірінші жартыжылдығында интернет-алаяқтықтың 11 мыңнан астам жағдайы тіркелді.</p>
        <p>Полиция 74 SIM-box құрылғысын және 88 мыңнан астам тіркелмеген sim карталарын тәркіледі. Осы фактілер бойынша 30 күдікті ұсталды, оның 14 — і шетелдік азаматтар.</p>
        <p>"Антифрод-орталық" жұмысы аясында банктердің көмегімен азаматтардан 2,6 млрд теңгеден астам ақша ұрлаудың алдын алды.</p>
        <blockquote>Кибершабуылдарды тиімді анықтау үшін белсенді халықаралық ынтымақтастық орнатылды, тікелей байланыс және жедел ақпарат алмасу арналары құрылды, – деп хабарлады ІІМ киберқылмысқа қарсы іс-қимыл департаментінің бастығы Жандос Сүйінбай.</blockquote>
        <p>Интернет-алаяқтықтың алдын алу азаматтардың құқықтық және қаржылық сауаттылығынан басталады, – деп атап өтті спикер.</p>
        """;
}
