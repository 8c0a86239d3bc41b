import type { ValidateContext } from "../types.js";

/**
 * Street addresses, written the ways the world writes them: house number first with the street type
 * after ("221 Baker Street", "1600 Pennsylvania Ave"), street name with its type fused or after it and
 * the number last ("Mannerheimintie 14", "Søndergade 52", "Villacher Strasse 89", "Király u. 15."),
 * the type first ("Rua do Arenque 1634", "31 Rue de Tanger", "ul. Słowicza 10"), post office and
 * military boxes ("P.O. Box 149", "PSC 1234, Box 5678 / APO AE 09876"), and apartment or suite
 * numbers. The lines that follow (city, region, postcode, country) belong to the same finding when
 * they look like address lines, so a multi-line address is one finding.
 *
 * The pattern only runs in small windows around street words, unit words and address words; the
 * validator then scores what it found: a street type or unit is strong evidence, a bare
 * "Name 12" is only an address when the text around it says so.
 */

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Each word Capitalised, lower case or UPPER CASE (not mIxEd: that is rarely an address). */
function cased(words: readonly string[]): string {
  const alts = new Set<string>();
  for (const w of words) {
    alts.add(esc(w));
    alts.add(esc(w.toLowerCase()));
    alts.add(esc(w.toUpperCase()));
    alts.add(esc(w[0]!.toUpperCase() + w.slice(1).toLowerCase()));
  }
  // Longest first, so "Straße" is tried before "Str".
  return [...alts].sort((a, b) => b.length - a.length).join("|");
}

const NUM = String.raw`\d{1,5}[A-Za-z]?(?:[\-\/]\d{1,4}[A-Za-z]?)?`;
const NUM_END = String.raw`${NUM}\.?(?![\p{L}\p{N}])`;
const PARTICLE = String.raw`(?:de|del|della|delle|dei|degli|di|da|do|dos|das|du|des|la|le|les|el|al|van|von|der|den|ter|am|an|im|zu|zum|zur|of|the|y|e|i|na|nad|pod|u|sur|sous|en|op|aan|bij|d'|l')`;
/** A name word: Capitalised (with an optional elided particle, "d'Ouchy"), or a particle. */
const NAMEW = String.raw`(?:(?:[dDlL]['’])?\p{Lu}[\p{L}\p{M}'’\-]*\.?|${PARTICLE}(?![\p{L}]))`;
/** Any word, except the little words of running prose, which never name a street on their own. */
const AW = String.raw`(?!(?:the|a|an|on|in|at|of|to|my|our|your|his|her|their|this|that|these|and|or|for|with|from|by|down|up|along|across|off|into|onto|is|was|are|be|we|you|they|it|i|me)(?![\p{L}]))\p{L}[\p{L}\p{M}'’\-]*\.?`;

/** Street types written after the name in English: "Baker Street", "Main St", "Sunset Blvd". */
export const EN_TYPES = [
  "Street",
  "St",
  "Avenue",
  "Ave",
  "Road",
  "Rd",
  "Boulevard",
  "Blvd",
  "Lane",
  "Ln",
  "Drive",
  "Dr",
  "Terrace",
  "Highway",
  "Hwy",
  "Parkway",
  "Pkwy",
  "Crescent",
  "Cres",
  "Expressway",
  "Freeway",
  "Turnpike",
  "Court",
  "Ct",
  "Circle",
  "Trail",
  "Alley",
  "Str",
];
/** English types that are also everyday words: only Capitalised, after a Capitalised name. */
const EN_TYPES_COMMON = [
  "Way",
  "Place",
  "Pl",
  "Close",
  "Square",
  "Sq",
  "Row",
  "Mews",
  "Gardens",
  "Grove",
  "Parade",
  "Walk",
  "Park",
  "Green",
  "Hill",
  "Point",
  "Heights",
  "Loop",
  "Path",
  "Plaza",
  "Quay",
  "Wharf",
  "Esplanade",
];
/** Street types fused to the end of the name: Mannerheimintie, Søndergade, Drottninggatan. */
const FUSED_SUFFIXES = [
  "katu",
  "tie",
  "kuja",
  "polku",
  "väylä",
  "raitti",
  "vej",
  "gade",
  "vænget",
  "stræde",
  "allé",
  "gatan",
  "gata",
  "vägen",
  "väg",
  "gränd",
  "veien",
  "vegen",
  "vei",
  "veg",
  "straat",
  "laan",
  "gracht",
  "dreef",
  "plein",
  "kade",
  "singel",
  "steeg",
  "hove",
  "weg",
  "strasse",
  "straße",
  "gasse",
  "platz",
  "allee",
  "damm",
  "pfad",
  "steig",
  "stieg",
  "chaussee",
  "stien",
  "braut",
  "stræti",
  "vegur",
  "utca",
  "ulica",
  "cesta",
  "ulice",
  "iela",
  "tänav",
  "gatvė",
];
/**
 * Separate types that are no English word, so the name before them may be written in lower case
 * ("hegyalja út 98.", "Árpád fejedelem útja 3."): in prose, "boarding gate 12" and "ring 3" must not
 * become addresses, but nothing in English reads "út 98" or "Strasse 4".
 */
const SEPARATE_FOREIGN = [
  "Strasse",
  "Straße",
  "Gasse",
  "Allee",
  "utca",
  "út",
  "útja",
  "tér",
  "tere",
  "körút",
  "rakpart",
  "sétány",
  "fasor",
  "ulica",
  "náměstí",
  "třída",
  "straat",
];
/** Street types written as a word of their own between the name and the number: "Villacher Strasse 89". */
const SEPARATE_TYPES = [
  ...SEPARATE_FOREIGN,
  "Str.",
  "Weg",
  "Platz",
  "Ring",
  "Damm",
  "gate",
  "gata",
  "gaten",
  "vej",
  "vei",
  "veien",
  "tie",
  "tee",
  "kuja",
  "u.",
  "krt.",
  "rkp.",
  "köz",
  "sor",
  "ul.",
  "cesta",
  "trg",
  "nám.",
  "laan",
  "terrasse",
  "Street",
  "Str",
];
/** Street types written before the name: "Rua do Arenque 1634", "Via Roma 131", "ul. Słowicza 10". */
const PREFIX_TYPES = [
  "Rue",
  "Rua",
  "Rúa",
  "Trg",
  "Calle",
  "C/",
  "Avenida",
  "Avda.",
  "Avda",
  "Av.",
  "Paseo",
  "Pº",
  "Praça",
  "Praca",
  "Travessa",
  "Estrada",
  "Rodovia",
  "Alameda",
  "Viale",
  "Vicolo",
  "Piazza",
  "Piazzale",
  "Piazzetta",
  "Strada",
  "Contrada",
  "Lungomare",
  "Ulica",
  "ul.",
  "Aleja",
  "al.",
  "Plac",
  "Chaussée",
  "Allée",
  "Impasse",
  "Quai",
  "Chemin",
  "Carrer",
  "Avinguda",
  "Rambla",
  "Ronda",
  "Camino",
  "Carretera",
  "Callejón",
  "Jalan",
  "Jl.",
  "Λεωφόρος",
  "Λ.",
  "Οδός",
  "Πλατεία",
  "ул.",
  "улица",
  "проспект",
  "пр.",
  "переулок",
  "бульвар",
  "шоссе",
  "площадь",
];
/** Prefix types that are everyday words in English too ("via email"): only Capitalised. */
const PREFIX_TYPES_COMMON = [
  "Via",
  "Corso",
  "Largo",
  "Place",
  "Route",
  "Cours",
  "Avenue",
  "Boulevard",
  "Plaza",
];

const UNIT_WORDS = [
  "Apt",
  "Apartment",
  "Suite",
  "Ste",
  "Unit",
  "Flat",
  "Floor",
  "Fl",
  "Room",
  "Rm",
  "Bldg",
  "Building",
  "Apto",
  "Depto",
  "Dpto",
  "Piso",
  "Whg",
  "Wohnung",
  "Etage",
  "Bte",
];
const UNIT = String.raw`(?:(?:${cased(UNIT_WORDS)})\.?|#) ?(?:[Nn]o\.? ?)?#?\d{1,5}[A-Za-z]?(?![\p{L}\p{N}])`;
const PO_BOX = String.raw`(?:(?:P\.? ?O\.?|p\.? ?o\.?|Post(?:al)? Office|Post ?[Bb]ox|POSTBOX|[Pp]ostbox|[Pp]ostfach|[Aa]partado|[Cc]aixa [Pp]ostal|[Cc]asilla)(?: ?(?:[Bb]ox|BOX))? ?\d{1,6})(?![\p{L}\p{N}])`;
const MIL_UNIT = String.raw`(?:PSC|psc|Unit|UNIT|unit|CMR|cmr) \d{1,5},? (?:Box|BOX|box) \d{1,5}`;
const MIL_SHIP = String.raw`(?:USNS|USS|USNV|USCGC|usns|uss|usnv|uscgc) \p{L}[\p{L}\p{M}'’\-]*(?: \p{Lu}[\p{L}\p{M}'’\-]*)?`;
const MIL_POST = String.raw`(?:APO|FPO|DPO|apo|fpo|dpo) (?:AA|AE|AP|aa|ae|ap) \d{5}`;

const TYPE_EN = `(?:${cased(EN_TYPES)})\\.?(?![\\p{L}])`;
const TYPE_EN_COMMON = `(?:${EN_TYPES_COMMON.map(esc).join("|")})(?![\\p{L}])`;
const FUSED = String.raw`\p{L}[\p{L}\p{M}'’\-]*(?:${FUSED_SUFFIXES.map(esc).join("|")}|${FUSED_SUFFIXES.map((s) => esc(s.toUpperCase())).join("|")})`;
const SEPARATE = `(?:${cased(SEPARATE_TYPES)})`;
const SEPARATE_LOWER = `(?:${cased(SEPARATE_FOREIGN)})`;
const PREFIX_ANY = `(?:${cased(PREFIX_TYPES)})(?![\\p{L}])`;
const PREFIX_CAP = `(?:${PREFIX_TYPES_COMMON.map(esc).join("|")})(?![\\p{L}])`;
const PREFIX = `(?:${PREFIX_ANY}|${PREFIX_CAP})`;
/** A name word that is not a unit word ("Suite 12" is a unit, not a street called Suite). */
const NOT_UNIT = `(?!(?:${cased(UNIT_WORDS)})\\.?(?![\\p{L}]))`;

const STREET_FORMS = [
  // 221 Baker Street; 3911 Fourth Avenue; 1987 74 Diakou Street
  String.raw`${NUM}(?: ${NUM})? (?:${AW} ){1,3}${TYPE_EN}`,
  // 1317 Kimberly Way; 22 Pollen Crescent (everyday-word types, Capitalised names only)
  String.raw`${NUM}(?: ${NUM})? (?:${NAMEW} ){1,3}${TYPE_EN_COMMON}`,
  // 6750 Koskikatu 25; Søndergade 52; Gerrit Achterberghove 137
  String.raw`(?:${NUM} )?(?:${NAMEW} ){0,3}${FUSED} ${NUM_END}`,
  // Villacher Strasse 89; Király u. 15.; Trenerys gate 232
  String.raw`(?:${NUM} )?(?:${NAMEW} ){1,3}${SEPARATE} ${NUM_END}`,
  // hegyalja út 98.; Árpád fejedelem útja 3. (a type no English word resembles: any name words)
  String.raw`(?:${NUM} )?(?:${AW} ){1,3}${SEPARATE_LOWER} ${NUM_END}`,
  // Rua do Arenque 1634; Avenida Pedro Ulisses 888; ul. Słowicza 10; rue du centre 320
  String.raw`(?:${NUM} )?${PREFIX_ANY} (?:${AW} ){0,5}${AW} ${NUM_END}`,
  String.raw`(?:${NUM} )?${PREFIX_CAP} (?:${NAMEW} ){0,5}${NAMEW} ${NUM_END}`,
  // 31 Rue de Tanger; 137 Avenue Teboulbi; 846 31 rue des Lilas (number first, none after)
  String.raw`${NUM}(?: ${NUM})? ${PREFIX_ANY} (?:${AW} ){0,4}${AW}`,
  String.raw`${NUM}(?: ${NUM})? ${PREFIX_CAP} (?:${NAMEW} ){0,4}${NAMEW}`,
  // 2505 Heatherleigh Suite 620; 87 van Gijn Summit / Suite 364 (number and name, then a unit)
  String.raw`${NUM}(?: ${NUM})? (?:${NOT_UNIT}${NAMEW} ){0,2}${NOT_UNIT}${NAMEW}(?=,?[ \t]*(?:\r?\n[ \t>|*•?\-]*)?${UNIT})`,
  // P.O. Box 149; PSC 1234, Box 5678; USNS Bergman
  String.raw`(?:${NUM} )?${PO_BOX}`,
  MIL_UNIT,
  MIL_SHIP,
  // Allika 46; 20789 Allika 46 (a name and a number: an address only with more evidence)
  String.raw`(?:${NUM} )?${NOT_UNIT}\p{Lu}\p{Ll}[\p{L}\p{M}'’\-]*(?: ${NOT_UNIT}${NAMEW}){0,2} ${NUM_END}`,
];

const CITY = String.raw`\p{Lu}[\p{L}\p{M}'’\-]*(?:\.(?= \p{L}))?(?:[ \-](?:\p{Lu}[\p{L}\p{M}'’\-]*(?:\.(?= \p{L}))?|${PARTICLE}(?![\p{L}]))){0,4}(?: \([^()\n]{1,24}\))?`;
const REGION = String.raw`\p{Lu}{2,3}(?![\p{L}])`;
const POSTCODE = String.raw`(?:\d{5}-\d{4}|\d{4,6}|\d{3} \d{2}|\d{2}-\d{3}|\d{4} ?\p{Lu}{2}|\p{Lu}\d\p{Lu} ?\d\p{Lu}\d|\p{Lu}{1,2}\d[\p{Lu}\d]? ?\d\p{Lu}{2}|\p{Lu}{1,2}-\d{4,5})(?![\p{L}\p{N}])`;
const LINE_END = String.raw`(?=[ \t]*(?:[,.;:!?)\]"'\r\n]|$))`;
/** Parts that say "address" on their own: a unit, a box, a military post office, a postcode. */
const STRONG_LINE = String.raw`(?:${UNIT}|${MIL_POST}|${PO_BOX}|(?:${CITY})(?:,? (?:${REGION}))?,? ${POSTCODE}|(?:${REGION}) ${POSTCODE}|${POSTCODE}(?: ${CITY})?)`;
/** A following line (or comma-separated part) that belongs to the address. */
const LINE = String.raw`(?:${STRONG_LINE}|(?:${CITY})(?:,? (?:${REGION}))?${LINE_END}|(?:${REGION})${LINE_END})`;
const MARK = String.raw`[ \t>|*•?\-]*`;
/**
 * Between parts: a comma, spaces, or a line break (lines may start with quote or bullet marks). After a
 * blank line only a strong part continues the address, so the "Thanks!" under it stays out.
 */
const SEP = String.raw`(?:[ \t]*,[ \t]*|[ \t]+|[ \t]*\r?\n${MARK}(?:,[ \t]*)?)`;
const BLANK_SEP = String.raw`[ \t]*\r?\n${MARK}\r?\n${MARK}(?:,[ \t]*)?`;

/** A corner: "Botley Road St. and Herceg Gateway St." names the second street too. */
const CROSS_STREET = String.raw`(?:\.? (?:and|&) (?:${NAMEW} ){1,3}${TYPE_EN})`;

export const ADDRESS_PATTERN = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:${UNIT},? )?(?:${STREET_FORMS.join("|")})(?:,? ${UNIT}){0,2}(?:${SEP}${LINE}|${BLANK_SEP}${STRONG_LINE}){0,5}${CROSS_STREET}?`,
  "u",
);

const TYPE_SIGNAL = new RegExp(
  String.raw`(?<![\p{L}])(?:${TYPE_EN}|${TYPE_EN_COMMON}|${SEPARATE}(?= \d)|${PREFIX})|${FUSED}(?= \d)`,
  "u",
);
const UNIT_SIGNAL = new RegExp(String.raw`(?<![\p{L}])(?:${UNIT}|${PO_BOX}|${MIL_UNIT}|${MIL_POST})`, "u");
const POSTCODE_LINE = new RegExp(String.raw`[\n,][^\n]*?${POSTCODE}[ \t]*$|${MIL_POST}`, "mu");

/** Words that lead to a bare "Name 12" that is not an address: versions, chapters, products. */
const NOT_ADDRESS =
  /^(?:\d+ )?(?:Version|Chapter|Step|Page|Table|Figure|Fig|Section|Item|Line|Part|Phase|Level|Windows|Python|Node|Java|Android|iOS|iPhone|Galaxy|Day|Week|Year|Top|Season|Episode|Round|Game|Vol|Volume|Issue|No|Number|Room|Gate|Platform|Terminal|Row|Seat|Flight|Bus|Route|Highway|Interstate|Exit|Grade|Class|Team|Group|Model|Series|Type|Mark|Mk|Rev|Release|Build|Patch|Update|Sprint|Q[1-4]|COVID|Covid)(?: |$)/;

/** Norwegian "Trenerys gate 232" is a street; "Boarding gate 12" is an airport. */
const ENGLISH_GATE =
  /(?:^|\s)(?:boarding|departure|departures|arrival|arrivals|security|toll|garden|front|back|main|side|north|south|east|west|loading|exit|entry|entrance|logic|and|or|xor|nand|nor) gate \d/i;

/** "1 Feb 2022", "March 3 2024": a day, a month and a year look like a name between numbers. */
const DATE_LIKE =
  /(?:^|\s)\d{1,2}\.? (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,? \d{2,4}|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{2,4}/i;

/** Scores a candidate address by the evidence in it; context words are added by the scanner. */
export function validateAddress(value: string, _ctx: ValidateContext): number | null {
  const firstLine = value.split("\n", 1)[0]!;
  const typed = TYPE_SIGNAL.test(firstLine);
  const unit = UNIT_SIGNAL.test(value);
  if (!typed && !unit && (NOT_ADDRESS.test(firstLine) || DATE_LIKE.test(firstLine))) return null;
  if (!unit && ENGLISH_GATE.test(firstLine)) return null;
  let score = typed ? 0.6 : 0.3;
  if (unit) score += typed ? 0.2 : 0.3;
  if (POSTCODE_LINE.test(value)) score += 0.15;
  else if (/[\n,]/.test(value)) score += 0.05;
  return Math.min(score, 0.95);
}
