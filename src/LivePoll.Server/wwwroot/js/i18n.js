// Every label of the pages in Kazakh (the default), Russian and English. t("key", { n: 3 }) fills {n}.
const texts = {
  kk: {
    langName: "Қазақша", locale: "kk-KZ", numberLocale: "ru-RU",
    skip: "Негізгі мазмұнға өту",
    site: "LivePoll Жаңалықтар", tagline: "#КүшiмiзБiрлiкте",
    feed: "Оқиғалар лентасы", today: "Бүгін", empty: "Әзірге жаңалық жоқ.",
    pinned: "Бекітілген", keyEvent: "Маңызды", corrected: "Түзетілді", correction: "Түзету",
    newItems: "{n} жаңа жаңалық ↑", older: "Бұрынғы жаңалықтар", loading: "Жүктелуде…",
    back: "← Лентаға оралу", photo: "Сурет", source: "Дереккөз", share: "Тарату", permalink: "Тұрақты сілтеме",
    copy: "Сілтемені көшіру", copied: "Көшірілді", retracted: "Бұл материал редакция шешімімен алынып тасталды.",
    notFound: "Мұндай материал жоқ.", credit: "Хабарлаған оқырман: {name}",
    poll: "Сауалнама", vote: "Дауыс беру", chooseUpTo: "{n} нұсқаға дейін таңдаңыз", voted: "Сіз дауыс бердіңіз",
    total: "Барлығы: {n} дауыс", closed: "Сауалнама жабылды", scheduled: "Сауалнама әлі ашылған жоқ",
    afterVote: "Нәтижелер дауыс бергеннен кейін көрсетіледі", afterClose: "Нәтижелер сауалнама жабылғанда көрсетіледі",
    newsroomOnly: "Нәтижелер жарияланбайды", noPoll: "Қазір ашық сауалнама жоқ.", pollNotFound: "Мұндай сауалнама жоқ: сілтеме ескірген болуы мүмкін. Жаңалықтар төменде жаңарып тұрады.",
    announce: "{q}: барлығы {n} дауыс", voteClosed: "Сауалнама жабық: дауыс қабылданбады.",
    voteAgain: "Байланыс үзілді, дауысыңыз есептелмеді. Қайталап көріңіз.", tooMany: "Тым көп әрекет. {s} секундтан кейін қайталаңыз.",
    voterInsecure: "Дауыс беру үшін беттің қауіпсіз (https) нұсқасын ашыңыз.", voterFailed: "Дауыс беруге дайындық сәтсіз аяқталды. Бетті қайта жүктеңіз.",
    voteHeld: "Дауысыңыз қабылданды, бірақ редакция тексергенше есептелмейді.",
    suggest: "Жаңалықтар ұсыныңыз", suggestIntro: "Бір нәрсе көрдіңіз бе? Редакцияға жазыңыз, біз тексереміз.",
    tipText: "Не болды?", tipName: "Атыңыз (міндетті емес)", tipContact: "Телефон немесе email (міндетті емес)",
    tipLink: "Сілтеме (міндетті емес)", tipConsent: "Атымды жариялауға келісемін", send: "Жіберу",
    tipThanks: "Рахмет! Хабарыңыз редакцияға жетті.", tipRequired: "Не болғанын жазыңыз.",
    failed: "Сұрау орындалмады: {m}",
    live: "Тікелей", reconnecting: "Қайта қосылуда…", offline: "Байланыс жоқ", connection: "Байланыс күйі",
    votesPerSecond: "дауыс/сек", votes: "дауыс барлығы", latest: "Соңғы жаңалықтар", tips: "Оқырман хабарлары", noTips: "Жаңа хабар жоқ.",
    joinVote: "Дауыс беріңіз:", signIn: "Кіру", name: "Аты", password: "Құпия сөз", signInFailed: "Аты немесе құпия сөз қате.",
    signOut: "Шығу", signedInAs: "{n} ({r})",
    bodyPlaceholder: "Мақала мәтінін осында жазыңыз…", uploading: "{n} жүктелуде…", altPrompt: "Суретте не бейнеленген? (көре алмайтын оқырмандар үшін)",
    altMissing: "Сурет қосылмады: оның сипаттамасы керек.", photoAdded: "Сурет қосылды.", linkPrompt: "Сілтеме (бос қалдырсаңыз, сілтеме алынады)",
    formatting: "Пішімдеу", ok: "Жарайды", required: "Толтыру міндетті.", rte_bold: "Қалың", rte_italic: "Көлбеу", rte_heading2: "Тақырыпша",
    rte_heading3: "Кіші тақырыпша", rte_bulletList: "Тізім", rte_orderedList: "Нөмірленген тізім", rte_quote: "Дәйексөз", rte_link: "Сілтеме",
    rte_image: "Сурет қою", rte_undo: "Болдырмау", rte_redo: "Қайталау", mainPhoto: "Басты сурет", choosePhoto: "Сурет таңдау",
    dropPhoto: "немесе суретті осында сүйреп әкеліңіз / қойыңыз", photoAlt: "Суретте не бар (міндетті)", photoCredit: "Сурет авторы (міндетті)",
    removePhoto: "Суретті алып тастау", counter: "{n} / {max}", photoTooBig: "Файл тым үлкен ({n} МБ): 20 МБ-тан аспауы керек.",
    photoNeedsAlt: "Басты суреттің сипаттамасы мен авторын жазыңыз.", bodyLabel: "Мәтін",
    desk: "Редакция пульті", articles: "Мақалалар", polls: "Сауалнамалар", newArticle: "Жаңа мақала",
    title: "Тақырып", lead: "Аннотация", body: "Мәтін (HTML)", imageUrl: "Сурет сілтемесі", imageCredit: "Сурет авторы",
    sourceName: "Дереккөз атауы", sourceUrl: "Дереккөз сілтемесі", language: "Тілі", pin: "Бекіту", unpin: "Босату",
    publish: "Жариялау", correct: "Түзету", retract: "Алып тастау", note: "Түзету туралы ескерту", save: "Сақтау", cancel: "Болдырмау",
    retractConfirm: "Мақаланы лентадан алып тастау керек пе?", embed: "Енгізу коды", publishAt: "Жариялау уақыты", saveDraft: "Жоба ретінде сақтау", attachPolls: "Сауалнамалар", opensAt: "Ашылады", closesAt: "Жабылады", show: "Көрсету", filterAll: "Барлығы", activity: "Әрекеттер журналы", exportCsv: "CSV жүктеу", makeDraft: "Жобаға айналдыру", noActivity: "Әлі ештеңе жоқ.", morePolls: "Басқа сауалнамалар", changedElsewhere: "Мақаланы басқа біреу өзгертті: тізім жаңартылды, өзгерісті қайта жасаңыз.", published: "Жарияланды",
    question: "Сұрақ", options: "Нұсқалар (әр жолға біреуі)", maxChoices: "Ең көп таңдау", allowChange: "Дауысты өзгертуге болады",
    visibility: "Нәтижелер көрінеді", visAlways: "Әрқашан", visAfterVote: "Дауыс бергеннен кейін", visAfterClose: "Жабылғаннан кейін",
    visNewsroomOnly: "Тек редакцияға", createPoll: "Сауалнама құру", open: "Ашу", close: "Жабу", reopen: "Қайта ашу",
    integrity: "Сенімділік", integrityHeading: "Дауыстар қайдан келді", perMinute: "Минутына дауыс", topNetworks: "Ең көп дауыс берген желілер", network: "Желі (хэш)", votes: "Дауыс", share: "Үлесі", transports: "Арналар", downloadResults: "Нәтижелер (CSV)", downloadMinutes: "Минутына дауыс (CSV)", noneAbove: "Бірде-бір желі дауыстың 2 %-ынан асқан жоқ (ең үлкені {p}, {n} желі).", someAbove: "{k} желі дауыстың 2 %-ынан асты: ең үлкенінде {p} ({v} дауыс, барлығы {n} желі).", noVotesYet: "Әзірге дауыс жоқ.", answers: "Жауаптар", exclude: "Шығару", admit: "Қабылдау", excludedMark: "шығарылған", heldCount: "Тоқтатылған (есептелмеген) дауыстар: {n}",
    stateOpen: "Ашық", stateClosed: "Жабық", stateScheduled: "Жоспарланған", stateDraft: "Жоба", statePublished: "Жарияланған",
    stateCorrected: "Түзетілген", stateRetracted: "Алынған", handled: "Өңделді", markHandled: "Өңделді деп белгілеу",
    from: "Кімнен: {n}", done: "Дайын.",
  },
  ru: {
    langName: "Русский", locale: "ru-RU", numberLocale: "ru-RU",
    skip: "Перейти к содержанию",
    site: "LivePoll Новости", tagline: "#КүшiмiзБiрлiкте",
    feed: "Лента событий", today: "Сегодня", empty: "Новостей пока нет.",
    pinned: "Закреплено", keyEvent: "Важно", corrected: "Исправлено", correction: "Исправление",
    newItems: "{n} новых ↑", older: "Более ранние новости", loading: "Загрузка…",
    back: "← К ленте", photo: "Фото", source: "Источник", share: "Поделиться", permalink: "Постоянная ссылка",
    copy: "Копировать ссылку", copied: "Скопировано", retracted: "Материал снят с публикации решением редакции.",
    notFound: "Такого материала нет.", credit: "Сообщил читатель: {name}",
    poll: "Опрос", vote: "Голосовать", chooseUpTo: "Выберите до {n} вариантов", voted: "Вы проголосовали",
    total: "Всего: {n} голосов", closed: "Опрос завершён", scheduled: "Опрос ещё не начался",
    afterVote: "Результаты видны после голосования", afterClose: "Результаты будут видны после завершения опроса",
    newsroomOnly: "Результаты не публикуются", noPoll: "Сейчас нет открытых опросов.", pollNotFound: "Такого опроса нет: возможно, ссылка устарела. Новости ниже обновляются.",
    announce: "{q}: всего {n} голосов", voteClosed: "Опрос закрыт: голос не принят.",
    voteAgain: "Связь прервалась, голос не засчитан. Попробуйте ещё раз.", tooMany: "Слишком много попыток. Повторите через {s} с.",
    voterInsecure: "Чтобы голосовать, откройте защищённую (https) версию страницы.", voterFailed: "Не удалось подготовить голосование. Перезагрузите страницу.",
    voteHeld: "Ваш голос получен, но не засчитан до проверки редакцией.",
    suggest: "Предложите новость", suggestIntro: "Стали свидетелем события? Напишите в редакцию, мы проверим.",
    tipText: "Что случилось?", tipName: "Ваше имя (необязательно)", tipContact: "Телефон или email (необязательно)",
    tipLink: "Ссылка (необязательно)", tipConsent: "Согласен(на), чтобы меня упомянули по имени", send: "Отправить",
    tipThanks: "Спасибо! Сообщение получено редакцией.", tipRequired: "Опишите, что случилось.",
    failed: "Запрос не выполнен: {m}",
    live: "В эфире", reconnecting: "Переподключение…", offline: "Нет связи", connection: "Состояние связи",
    votesPerSecond: "голосов/с", votes: "голосов всего", latest: "Последние новости", tips: "Сообщения читателей", noTips: "Новых сообщений нет.",
    joinVote: "Голосуйте:", signIn: "Войти", name: "Имя", password: "Пароль", signInFailed: "Неверное имя или пароль.",
    signOut: "Выйти", signedInAs: "{n} ({r})",
    bodyPlaceholder: "Текст материала…", uploading: "Загружается {n}…", altPrompt: "Что на фото? (для читателей, которые не видят изображение)",
    altMissing: "Фото не добавлено: нужно его описание.", photoAdded: "Фото добавлено.", linkPrompt: "Ссылка (пусто — убрать ссылку)",
    formatting: "Форматирование", ok: "ОК", required: "Обязательное поле.", rte_bold: "Жирный", rte_italic: "Курсив", rte_heading2: "Подзаголовок",
    rte_heading3: "Малый подзаголовок", rte_bulletList: "Список", rte_orderedList: "Нумерованный список", rte_quote: "Цитата", rte_link: "Ссылка",
    rte_image: "Вставить фото", rte_undo: "Отменить", rte_redo: "Повторить", mainPhoto: "Главное фото", choosePhoto: "Выбрать фото",
    dropPhoto: "или перетащите / вставьте фото сюда", photoAlt: "Что на фото (обязательно)", photoCredit: "Автор фото (обязательно)",
    removePhoto: "Убрать фото", counter: "{n} / {max}", photoTooBig: "Файл слишком большой ({n} МБ): не больше 20 МБ.",
    photoNeedsAlt: "Укажите описание и автора главного фото.", bodyLabel: "Текст",
    desk: "Пульт редакции", articles: "Материалы", polls: "Опросы", newArticle: "Новый материал",
    title: "Заголовок", lead: "Лид", body: "Текст (HTML)", imageUrl: "Ссылка на фото", imageCredit: "Автор фото",
    sourceName: "Источник", sourceUrl: "Ссылка на источник", language: "Язык", pin: "Закрепить", unpin: "Открепить",
    publish: "Опубликовать", correct: "Исправить", retract: "Снять", note: "Примечание об исправлении", save: "Сохранить", cancel: "Отмена",
    retractConfirm: "Снять материал из ленты?", embed: "Код для вставки", publishAt: "Опубликовать в", saveDraft: "Сохранить как черновик", attachPolls: "Опросы", opensAt: "Откроется", closesAt: "Закроется", show: "Показать", filterAll: "Все", activity: "Журнал действий", exportCsv: "Скачать CSV", makeDraft: "Сделать черновик", noActivity: "Пока ничего.", morePolls: "Другие опросы", changedElsewhere: "Материал уже изменил кто-то другой: список обновлён, повторите изменение.", published: "Опубликовано",
    question: "Вопрос", options: "Варианты (по одному в строке)", maxChoices: "Максимум вариантов", allowChange: "Можно изменить голос",
    visibility: "Результаты видны", visAlways: "Всегда", visAfterVote: "После голосования", visAfterClose: "После завершения",
    visNewsroomOnly: "Только редакции", createPoll: "Создать опрос", open: "Открыть", close: "Закрыть", reopen: "Открыть снова",
    integrity: "Достоверность", integrityHeading: "Откуда пришли голоса", perMinute: "Голосов в минуту", topNetworks: "Сети с наибольшим числом голосов", network: "Сеть (хэш)", votes: "Голоса", share: "Доля", transports: "Каналы", downloadResults: "Результаты (CSV)", downloadMinutes: "Голоса по минутам (CSV)", noneAbove: "Ни одна сеть не превышает 2 % голосов (наибольшая {p}, сетей: {n}).", someAbove: "Сетей выше 2 % голосов: {k}; у наибольшей {p} ({v} голосов, всего сетей: {n}).", noVotesYet: "Голосов пока нет.", answers: "Ответы", exclude: "Исключить", admit: "Допустить", excludedMark: "исключена", heldCount: "Задержано (не засчитано) голосов: {n}",
    stateOpen: "Открыт", stateClosed: "Закрыт", stateScheduled: "Запланирован", stateDraft: "Черновик", statePublished: "Опубликован",
    stateCorrected: "Исправлен", stateRetracted: "Снят", handled: "Обработано", markHandled: "Отметить обработанным",
    from: "От: {n}", done: "Готово.",
  },
  en: {
    langName: "English", locale: "en-GB", numberLocale: "en-GB",
    skip: "Skip to content",
    site: "LivePoll News", tagline: "#КүшiмiзБiрлiкте",
    feed: "Live feed", today: "Today", empty: "No news yet.",
    pinned: "Pinned", keyEvent: "Key event", corrected: "Corrected", correction: "Correction",
    newItems: "{n} new ↑", older: "Older news", loading: "Loading…",
    back: "← Back to the feed", photo: "Photo", source: "Source", share: "Share", permalink: "Permalink",
    copy: "Copy link", copied: "Copied", retracted: "This article was retracted by the newsroom.",
    notFound: "There is no such article.", credit: "Tip from reader {name}",
    poll: "Poll", vote: "Vote", chooseUpTo: "Choose up to {n}", voted: "You voted",
    total: "{n} votes in all", closed: "This poll is closed", scheduled: "This poll has not opened yet",
    afterVote: "Results are shown once you vote", afterClose: "Results are shown when the poll closes",
    newsroomOnly: "Results are not published", noPoll: "No poll is open right now.", pollNotFound: "There is no such poll: the link may be out of date. The news below stays live.",
    announce: "{q}: {n} votes in all", voteClosed: "The poll is closed: your vote was not taken.",
    voteAgain: "The connection dropped and your vote was not counted. Please try again.", tooMany: "Too many tries. Try again in {s} s.",
    voterInsecure: "To vote, open the secure (https) version of this page.", voterFailed: "Could not get ready to vote. Please reload the page.",
    voteHeld: "Your vote was received but is held for the newsroom's review, not counted for now.",
    suggest: "Suggest news", suggestIntro: "Saw something? Tell the newsroom and we will check it.",
    tipText: "What happened?", tipName: "Your name (optional)", tipContact: "Phone or email (optional)",
    tipLink: "Link (optional)", tipConsent: "You may credit me by name", send: "Send",
    tipThanks: "Thank you! Your tip has reached the newsroom.", tipRequired: "Please say what happened.",
    failed: "That did not work: {m}",
    live: "Live", reconnecting: "Reconnecting…", offline: "Offline", connection: "Connection",
    votesPerSecond: "votes/s", votes: "votes in all", latest: "Latest news", tips: "Reader tips", noTips: "No new tips.",
    joinVote: "Vote now:", signIn: "Sign in", name: "Name", password: "Password", signInFailed: "Wrong name or password.",
    signOut: "Sign out", signedInAs: "{n} ({r})",
    bodyPlaceholder: "Write the article here…", uploading: "Uploading {n}…", altPrompt: "What does the photo show? (for readers who cannot see it)",
    altMissing: "The photo was not added: it needs a description.", photoAdded: "Photo added.", linkPrompt: "Link (empty removes the link)",
    formatting: "Formatting", ok: "OK", required: "Required.", rte_bold: "Bold", rte_italic: "Italic", rte_heading2: "Heading",
    rte_heading3: "Subheading", rte_bulletList: "Bulleted list", rte_orderedList: "Numbered list", rte_quote: "Quote", rte_link: "Link",
    rte_image: "Insert photo", rte_undo: "Undo", rte_redo: "Redo", mainPhoto: "Main photo", choosePhoto: "Choose a photo",
    dropPhoto: "or drop / paste a photo here", photoAlt: "What the photo shows (required)", photoCredit: "Photo credit (required)",
    removePhoto: "Remove photo", counter: "{n} / {max}", photoTooBig: "The file is too large ({n} MB): at most 20 MB.",
    photoNeedsAlt: "Give the main photo's description and credit.", bodyLabel: "Body",
    desk: "Newsroom desk", articles: "Articles", polls: "Polls", newArticle: "New article",
    title: "Title", lead: "Lead", body: "Body (HTML)", imageUrl: "Photo URL", imageCredit: "Photo credit",
    sourceName: "Source name", sourceUrl: "Source URL", language: "Language", pin: "Pin", unpin: "Unpin",
    publish: "Publish", correct: "Correct", retract: "Retract", note: "Correction note", save: "Save", cancel: "Cancel",
    retractConfirm: "Retract this article from the feed?", embed: "Embed code", publishAt: "Publish at", saveDraft: "Save as draft", attachPolls: "Polls", opensAt: "Opens at", closesAt: "Closes at", show: "Show", filterAll: "All", activity: "Activity log", exportCsv: "Download CSV", makeDraft: "Make a draft", noActivity: "Nothing yet.", morePolls: "More polls", changedElsewhere: "Someone else changed this article: the list is reloaded, make your change again.", published: "Published",
    question: "Question", options: "Options (one per line)", maxChoices: "Most choices", allowChange: "Voters may change their vote",
    visibility: "Results shown", visAlways: "Always", visAfterVote: "After voting", visAfterClose: "After closing",
    visNewsroomOnly: "Newsroom only", createPoll: "Create poll", open: "Open", close: "Close", reopen: "Reopen",
    integrity: "Integrity", integrityHeading: "Where the votes came from", perMinute: "Votes per minute", topNetworks: "Networks with the most votes", network: "Network (hash)", votes: "Votes", share: "Share", transports: "Channels", downloadResults: "Results (CSV)", downloadMinutes: "Votes per minute (CSV)", noneAbove: "No network above 2 % of votes (largest {p}, {n} networks).", someAbove: "{k} networks above 2 % of votes: the largest has {p} ({v} votes, {n} networks in all).", noVotesYet: "No votes yet.", answers: "Answers", exclude: "Exclude", admit: "Admit", excludedMark: "excluded", heldCount: "Held (not counted): {n}",
    stateOpen: "Open", stateClosed: "Closed", stateScheduled: "Scheduled", stateDraft: "Draft", statePublished: "Published",
    stateCorrected: "Corrected", stateRetracted: "Retracted", handled: "Handled", markHandled: "Mark handled",
    from: "From: {n}", done: "Done.",
  },
};

export const languages = Object.keys(texts);

/** The page's language: ?lang=, then the reader's last choice, then Kazakh. */
export function currentLanguage() {
  const fromUrl = new URLSearchParams(location.search).get("lang");
  if (languages.includes(fromUrl)) return fromUrl;
  let saved = null;
  try { saved = localStorage.getItem("lp_lang"); } catch { /* storage blocked (e.g. an embed in a partner's page) */ }
  return languages.includes(saved) ? saved : "kk";
}

export function setLanguage(lang) {
  try { localStorage.setItem("lp_lang", lang); } catch { /* storage blocked: the choice lasts for this page */ }
  const url = new URL(location.href);
  url.searchParams.set("lang", lang);
  history.replaceState(history.state, "", url);
}

export function t(key, values = {}) {
  const lang = currentLanguage();
  const text = texts[lang][key] ?? texts.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** Fills every element with data-t (text), data-t-placeholder and data-t-aria-label from the dictionary. */
export function translatePage(root = document) {
  document.documentElement.lang = currentLanguage();
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-placeholder]")) el.placeholder = t(el.dataset.tPlaceholder);
  for (const el of root.querySelectorAll("[data-t-aria-label]")) el.setAttribute("aria-label", t(el.dataset.tAriaLabel));
}
