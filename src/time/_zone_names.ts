/**
 * Private: the tz database abbreviations of ICU's English metazone names,
 * for when no tz database file can be read (see `_iana_zone.ts`).
 *
 * @module
 */

/**
 * ICU's English long names of the metazones whose tz database abbreviations
 * are letters, mapped to those abbreviations. Any other name (`Gulf Standard
 * Time`, `GMT+03:00`) means the tz database writes the offset in digits.
 */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ["Coordinated Universal Time", "UTC"],
  ["Greenwich Mean Time", "GMT"],
  ["British Summer Time", "BST"],
  ["Irish Standard Time", "IST"],
  ["Western European Standard Time", "WET"],
  ["Western European Summer Time", "WEST"],
  ["Central European Standard Time", "CET"],
  ["Central European Summer Time", "CEST"],
  ["Eastern European Standard Time", "EET"],
  ["Eastern European Summer Time", "EEST"],
  ["Moscow Standard Time", "MSK"],
  ["Moscow Summer Time", "MSD"],
  ["Volgograd Standard Time", "MSK"],
  ["Volgograd Summer Time", "MSD"],
  ["Israel Standard Time", "IST"],
  ["Israel Daylight Time", "IDT"],
  ["South Africa Standard Time", "SAST"],
  ["Central Africa Time", "CAT"],
  ["East Africa Time", "EAT"],
  ["West Africa Standard Time", "WAT"],
  ["India Standard Time", "IST"],
  ["Pakistan Standard Time", "PKT"],
  ["Pakistan Summer Time", "PKST"],
  ["China Standard Time", "CST"],
  ["China Daylight Time", "CDT"],
  ["Taiwan Standard Time", "CST"],
  ["Taiwan Daylight Time", "CDT"],
  ["Macao Standard Time", "CST"],
  ["Macao Summer Time", "CDT"],
  ["Hong Kong Standard Time", "HKT"],
  ["Hong Kong Summer Time", "HKST"],
  ["Japan Standard Time", "JST"],
  ["Japan Daylight Time", "JDT"],
  ["Korean Standard Time", "KST"],
  ["Korean Daylight Time", "KDT"],
  ["Western Indonesia Time", "WIB"],
  ["Central Indonesia Time", "WITA"],
  ["Eastern Indonesia Time", "WIT"],
  ["Chamorro Standard Time", "ChST"],
  ["Australian Eastern Standard Time", "AEST"],
  ["Australian Eastern Daylight Time", "AEDT"],
  ["Australian Central Standard Time", "ACST"],
  ["Australian Central Daylight Time", "ACDT"],
  ["Australian Western Standard Time", "AWST"],
  ["Australian Western Daylight Time", "AWDT"],
  ["New Zealand Standard Time", "NZST"],
  ["New Zealand Daylight Time", "NZDT"],
  ["American Samoa Standard Time", "SST"],
  ["Philippine Standard Time", "PST"],
  ["Philippine Summer Time", "PDT"],
  ["Yukon Time", "MST"],
  ["Hawaii-Aleutian Standard Time", "HST"],
  ["Hawaii-Aleutian Daylight Time", "HDT"],
  ["Alaska Standard Time", "AKST"],
  ["Alaska Daylight Time", "AKDT"],
  ["Pacific Standard Time", "PST"],
  ["Pacific Daylight Time", "PDT"],
  ["Mexican Pacific Standard Time", "MST"],
  ["Mexican Pacific Daylight Time", "MDT"],
  ["Mountain Standard Time", "MST"],
  ["Mountain Daylight Time", "MDT"],
  ["Central Standard Time", "CST"],
  ["Central Daylight Time", "CDT"],
  ["Eastern Standard Time", "EST"],
  ["Eastern Daylight Time", "EDT"],
  ["Cuba Standard Time", "CST"],
  ["Cuba Daylight Time", "CDT"],
  ["Atlantic Standard Time", "AST"],
  ["Atlantic Daylight Time", "ADT"],
  ["Newfoundland Standard Time", "NST"],
  ["Newfoundland Daylight Time", "NDT"],
]);

/** Zones whose ICU metazone has a name above but whose tz database abbreviations are numeric. */
const NUMERIC_ABBREVIATION_ZONES: ReadonlySet<string> = new Set([
  "Africa/Casablanca",
  "Africa/El_Aaiun",
  "Antarctica/Casey",
  "Antarctica/Troll",
  "Asia/Colombo",
  "Asia/Dili",
  "Europe/Astrakhan",
  "Europe/Saratov",
  "Europe/Ulyanovsk",
]);

const BRITISH_CROWN_DEPENDENCY: ReadonlyMap<string, string> = new Map([["GMT+01:00", "BST"]]);

/** Zones whose tz database abbreviations ICU names differently. */
const ZONE_ABBREVIATIONS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ["Asia/Famagusta", new Map([["GMT+02:00", "EET"], ["GMT+03:00", "EEST"]])],
  ["Europe/Guernsey", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Isle_of_Man", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Jersey", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Kirov", new Map([["GMT+03:00", "MSK"]])],
  ["Europe/Minsk", new Map([["Moscow Standard Time", "+03"]])],
  [
    "MET",
    new Map([["Central European Standard Time", "MET"], ["Central European Summer Time", "MEST"]]),
  ],
]);

/**
 * An offset written as the tz database writes an abbreviation-less offset
 * (`%z`): `+03`, `+0530`, `-0330`, and seconds only when present.
 *
 * @param offsetSeconds Seconds east of UTC.
 * @returns The numeric abbreviation.
 *
 * @example Usage
 * ```ts
 * import { numericAbbreviation } from "./_zone_names.ts";
 * if (numericAbbreviation(20_700) !== "+0545" || numericAbbreviation(-18_000) !== "-05") {
 *   throw new Error();
 * }
 * ```
 */
export function numericAbbreviation(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? "-" : "+";
  const abs = Math.abs(offsetSeconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const seconds = abs % 60;
  let text = sign + String(hours).padStart(2, "0");
  if (minutes !== 0 || seconds !== 0) text += String(minutes).padStart(2, "0");
  if (seconds !== 0) text += String(seconds).padStart(2, "0");
  return text;
}

/**
 * The tz database's letters for ICU's long name of a zone at some instant,
 * or undefined when the tz database writes that offset in digits (or ICU
 * gave no metazone name, only `GMT+01:00`).
 *
 * @param zoneId The IANA zone name.
 * @param longName ICU's English long name (`British Summer Time`).
 * @returns The letters (`BST`), or undefined.
 *
 * @example Usage
 * ```ts
 * import { icuAbbreviation } from "./_zone_names.ts";
 * if (icuAbbreviation("Europe/London", "British Summer Time") !== "BST") throw new Error();
 * if (icuAbbreviation("Europe/London", "GMT+01:00") !== undefined) throw new Error();
 * ```
 */
export function icuAbbreviation(zoneId: string, longName: string): string | undefined {
  if (NUMERIC_ABBREVIATION_ZONES.has(zoneId)) return undefined;
  return ZONE_ABBREVIATIONS.get(zoneId)?.get(longName) ?? ABBREVIATIONS.get(longName);
}
