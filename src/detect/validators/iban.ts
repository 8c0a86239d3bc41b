import { mod97 } from "./mod97.js";

/**
 * IBAN lengths by country, from the SWIFT IBAN registry. A string that starts with a country code
 * and check digits but has the wrong length for that country is not an IBAN, whatever its checksum.
 */
const REGISTRY =
  "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 " +
  "DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 " +
  "IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 " +
  "MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 " +
  "SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";

/** Country code -> IBAN length, from the registry string above ("GB22" = GB, 22 characters). */
export const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  REGISTRY.split(" ").map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);

/**
 * True for a well-formed IBAN: known country, that country's length, check digits 02–98, and the
 * MOD 97-10 checksum. Spaces and lower case are accepted, as people write them.
 */
export function ibanValid(value: string): boolean {
  const s = value.replace(/[ \u00a0]/g, "").toUpperCase();
  const len = IBAN_LENGTHS.get(s.slice(0, 2));
  if (len === undefined || s.length !== len) return false;
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const check = Number(s.slice(2, 4));
  if (check < 2 || check > 98) return false;
  return mod97(s.slice(4) + s.slice(0, 4)) === 1;
}
