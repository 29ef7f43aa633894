/** Half of a UTF-16 surrogate pair on its own: no character. With the u flag a whole pair is one code point, so only a lone half is of category Cs. */
export const LONE_SURROGATE = /\p{Cs}/u;
