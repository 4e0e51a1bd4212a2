import { loadSession } from './session';

/**
 * Downloads a file the management endpoint serves to a logged-in account (a log archive, a
 * backup): the token goes in the Authorization header, so it cannot be a plain link.
 */
export async function downloadWithToken(path: string, filename: string): Promise<void> {
  const token = loadSession()?.token;
  const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
