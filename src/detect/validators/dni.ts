/**
 * Spain's DNI (eight digits and a control letter) and NIE (X, Y or Z, seven digits and the letter).
 * The letter is the number mod 23 looked up in a fixed table; an NIE's X/Y/Z count as 0/1/2.
 */
const LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

/** The control letter of a DNI number (up to eight digits). */
export function dniLetter(digits: string): string {
  return LETTERS[Number(digits) % 23]!;
}

/** True for a DNI ("12345678Z") or NIE ("X1234567L"); dashes, spaces and lower case accepted. */
export function dniOrNieValid(value: string): boolean {
  const s = value.replace(/[\s-]/g, "").toUpperCase();
  let m = /^(\d{8})([A-Z])$/.exec(s);
  if (m) return dniLetter(m[1]!) === m[2];
  m = /^([XYZ])(\d{7})([A-Z])$/.exec(s);
  if (m) return dniLetter("XYZ".indexOf(m[1]!) + m[2]!) === m[3];
  return false;
}
