/**
 * Removes the password of every `scheme://user:password@` in a text (a DATABASE_URL in a config
 * error, a driver message echoing its connection string), keeping the user and host for diagnosis.
 */
export function redactCredentials(text: string): string {
  return text.replace(/(\/\/[^\s/:@"']*:)[^\s"']*@/g, '$1***@');
}
