import { SCRIPT_CJK, SCRIPT_CYRILLIC } from "./normalise.js";
import { native, type Rule } from "./rule.js";

/**
 * Russian, Chinese and Japanese: the core families. These rules have no ASCII keywords; they run
 * over the whole normalised text, and only when the original holds Cyrillic or CJK characters, so
 * they cost nothing on other text. Patterns go through the same fold as the text (й -> и, ё -> е,
 * voiced kana lose their marks), so they are written naturally.
 */

/** Not preceded by a Cyrillic letter: JavaScript's \b knows only ASCII words. */
const RB = "(?<![а-яa-z])";

const RU: Rule[] = [
  {
    id: "override.0.ru",
    starts: "ипзно",
    family: "override",
    lang: "ru",
    weight: 0.9,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}(?:игнорируй|игнорируйте|проигнорируй|проигнорируйте|забудь|забудьте|не обращай внимания на|не обращайте внимания на|отбрось|отбросьте|пренебреги|не следуй|не следуйте|отмени|отмените)\\s(?:все\\s|всё\\s|свои\\s|твои\\s|ваши\\s|эти\\s|любые\\s)*(?:предыдущие|прежние|вышеуказанные|вышеприведенные|предшествующие|старые|прошлые|изначальные|исходные|данные тебе|полученные|системные|первоначальные|приведенные выше)\\s(?:инструкции|указания|правила|команды|промпты?|установки|ограничения|директивы|распоряжения)`,
    ),
  },
  {
    id: "override.1.ru",
    starts: "изп",
    family: "override",
    lang: "ru",
    weight: 0.75,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}(?:игнорируй|забудь|забудьте|игнорируйте|проигнорируй)\\s(?:все|всё)\\s?(?:,\\s)?(?:что\\s(?:было\\s)?(?:сказано|написано)\\s(?:выше|ранее|до этого)|(?:инструкции|указания|правила)\\s(?:выше|ранее))`,
    ),
  },
  {
    id: "role.0.ru",
    starts: "тос",
    family: "role",
    lang: "ru",
    weight: 0.55,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}(?:теперь ты|ты теперь|отныне ты|с этого момента ты|с этого момента,? ты|теперь вы|отныне вы)\\s(?:—\\s|-\\s)?(?:не\\s|будешь|будете|являешься|должен|должна|свободн|—|-|\\S+(?:\\s\\S+)?\\s(?:без|который|которая))`,
    ),
  },
  {
    id: "role.1.ru",
    starts: "пвдси",
    family: "role",
    lang: "ru",
    weight: 0.35,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}(?:притворись|притворитесь|представь,? что ты|представьте,? что вы|веди себя как|действуй как|сыграй роль|играй роль)`,
    ),
  },
  {
    id: "role.2.ru",
    starts: "т",
    family: "role",
    lang: "ru",
    weight: 0.7,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}ты больше не\\s(?:ии|ассистент|помощник|языковая модель|чат-?бот|искусственный интеллект)`,
    ),
  },
  {
    id: "unrestricted.0.ru",
    starts: "б",
    family: "unrestricted",
    lang: "ru",
    weight: 0.45,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}без\\s(?:каких-либо\\s|всяких\\s|любых\\s|никаких\\s)?(?:ограничений|фильтров|цензуры|этических правил|правил)`,
    ),
  },
  {
    id: "unrestricted.1.ru",
    starts: "р",
    family: "unrestricted",
    lang: "ru",
    weight: 0.55,
    script: SCRIPT_CYRILLIC,
    re: native(`${RB}режим(?:е)?\\s(?:разработчика|бога|без ограничений|dan)`),
  },
  {
    id: "reveal.0.ru",
    starts: "пвржнск",
    family: "reveal",
    lang: "ru",
    weight: 0.85,
    script: SCRIPT_CYRILLIC,
    re: native(
      `${RB}(?:покажи|покажите|выведи|выведите|раскрой|раскройте|повтори|повторите|напиши|напишите|скажи|скажите|какой|какие)\\s(?:мне\\s)?(?:свой\\s|твой\\s|свои\\s|твои\\s|ваш\\s|ваши\\s)?(?:системный промпт|системную подсказку|системные инструкции|исходные инструкции|скрытые инструкции|изначальные инструкции|первоначальные инструкции|системное сообщение)`,
    ),
  },
];

const ZH: Rule[] = [
  {
    id: "override.0.zh",
    starts: "忽无無不忘抛拋放跳停",
    family: "override",
    lang: "zh",
    weight: 0.9,
    script: SCRIPT_CJK,
    re: native(
      `(?:忽略|无视|無視|忽视|忽視|不要理会|不要理會|不要管|忘记|忘記|忘掉|抛开|拋開|放弃|放棄|跳过|跳過|不要遵守|不要遵循|停止遵循)(?:掉)?(?:你)?(?:之前|以前|上面|上述|先前|此前|前面|原来|原來|原有|原始|所有|全部|一切|系统|系統)(?:的)?(?:所有|全部|一切)?(?:的)?(?:指令|指示|说明|說明|规则|規則|提示|提示词|提示詞|设定|設定|命令|要求|限制|约束|約束)`,
    ),
  },
  {
    id: "override.1.zh",
    starts: "忽无無忘",
    family: "override",
    lang: "zh",
    weight: 0.6,
    script: SCRIPT_CJK,
    re: native(
      `(?:忽略|无视|無視|忘记|忘記|忘掉)(?:以上|上面|之前|前面)(?:所有|全部)?的?(?:内容|內容|一切|话|話)`,
    ),
  },
  {
    id: "role.0.zh",
    starts: "你现現从從今",
    family: "role",
    lang: "zh",
    weight: 0.55,
    script: SCRIPT_CJK,
    re: native(
      `(?:你现在是|你現在是|现在你是|現在你是|从现在开始[，,]?\\s?你|從現在開始[，,]?\\s?你|从现在起[，,]?\\s?你|從現在起[，,]?\\s?你|今后你|今後你)`,
    ),
  },
  {
    id: "role.1.zh",
    starts: "扮假装裝角",
    family: "role",
    lang: "zh",
    weight: 0.35,
    script: SCRIPT_CJK,
    re: native(`(?:扮演|假装你是|假裝你是|假装成|假裝成|装作|裝作|角色扮演)`),
  },
  {
    id: "role.2.zh",
    starts: "你",
    family: "role",
    lang: "zh",
    weight: 0.7,
    script: SCRIPT_CJK,
    re: native(
      `你(?:不再是|已经不是|已經不是)(?:一个|一個)?(?:ai|人工智能|助手|语言模型|語言模型|聊天机器人|聊天機器人)`,
    ),
  },
  {
    id: "unrestricted.0.zh",
    starts: "没沒不无無摆擺解",
    family: "unrestricted",
    lang: "zh",
    weight: 0.45,
    script: SCRIPT_CJK,
    re: native(
      `(?:没有|沒有|不受|无视|無視|摆脱|擺脫|解除)(?:任何)?(?:的)?(?:限制|约束|約束|过滤|過濾|审查|審查|道德|伦理|倫理)`,
    ),
  },
  {
    id: "unrestricted.1.zh",
    starts: "开開越上",
    family: "unrestricted",
    lang: "zh",
    weight: 0.55,
    script: SCRIPT_CJK,
    re: native(`(?:开发者模式|開發者模式|开发人员模式|開發人員模式|越狱模式|越獄模式|上帝模式)`),
  },
  {
    id: "reveal.0.zh",
    starts: "告显顯输輸打重泄洩透给給展",
    family: "reveal",
    lang: "zh",
    weight: 0.85,
    script: SCRIPT_CJK,
    re: native(
      `(?:告诉我|告訴我|显示|顯示|输出|輸出|打印|重复|重複|泄露|洩露|透露|给我看|給我看|展示)(?:一下)?(?:你的)?(?:系统提示|系統提示|系统提示词|系統提示詞|初始指令|原始指令|系统指令|系統指令|隐藏指令|隱藏指令|系统消息|系統消息)`,
    ),
  },
];

const JA: Rule[] = [
  {
    id: "override.0.ja",
    starts: "以前上こ今先最元既シ",
    family: "override",
    lang: "ja",
    weight: 0.9,
    script: SCRIPT_CJK,
    re: native(
      `(?:以前|前|上記|これまで|今まで|先ほど|先程|最初|上|元|既存|システム)の(?:すべての|全ての|全部の|あらゆる)?(?:指示|命令|ルール|プロンプト|設定|指令|制約|制限|規則)(?:は|を)(?:すべて|全て|全部)?(?:無視|忘れ|破棄|取り消|無効)`,
    ),
  },
  {
    id: "override.1.ja",
    starts: "指命ルプ制",
    family: "override",
    lang: "ja",
    weight: 0.75,
    script: SCRIPT_CJK,
    re: native(
      `(?:指示|命令|ルール|プロンプト|制約)(?:を|は)(?:すべて|全て|全部)?(?:無視|忘れ)(?:して|しろ|せよ|しなさい|してください|ろ)`,
    ),
  },
  {
    id: "role.0.ja",
    starts: "あ今こお",
    family: "role",
    lang: "ja",
    weight: 0.55,
    script: SCRIPT_CJK,
    re: native(
      `(?:あなたは(?:今から|これから|今後|もう)|(?:今から|これから|今後)(?:、)?あなたは|お前は(?:今から|これから))`,
    ),
  },
  {
    id: "role.1.ja",
    starts: "のにとを",
    family: "role",
    lang: "ja",
    weight: 0.35,
    script: SCRIPT_CJK,
    re: native(
      `(?:のふりをして|のふりをしろ|になりきって|として振る舞って|として振舞って|を演じて|のロールプレイ)`,
    ),
  },
  {
    id: "unrestricted.0.ja",
    starts: "制フ検倫ル",
    family: "unrestricted",
    lang: "ja",
    weight: 0.45,
    script: SCRIPT_CJK,
    re: native(
      `(?:制限|制約|フィルター|検閲|倫理|ルール)(?:なし|のない|を(?:受けない|無視|解除)|に縛られない)`,
    ),
  },
  {
    id: "unrestricted.1.ja",
    starts: "開デ脱ジ",
    family: "unrestricted",
    lang: "ja",
    weight: 0.55,
    script: SCRIPT_CJK,
    re: native(`(?:開発者モード|デベロッパーモード|脱獄モード|ジェイルブレイク)`),
  },
  {
    id: "reveal.0.ja",
    starts: "シ初元最隠",
    family: "reveal",
    lang: "ja",
    weight: 0.85,
    script: SCRIPT_CJK,
    re: native(
      `(?:システムプロンプト|初期指示|元の指示|最初の指示|隠された指示|システムメッセージ|システム指示)(?:を|の内容を)(?:すべて|全て|そのまま)?(?:表示|出力|教え|見せ|繰り返|開示|書き出)`,
    ),
  },
];

export const RU_CJK_RULES: Rule[] = [...RU, ...ZH, ...JA];
