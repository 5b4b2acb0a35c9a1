// Rules for text fields shared by several shapes.

/** NUL is the one character a PostgreSQL text column cannot hold. */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';
