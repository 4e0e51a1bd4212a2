import fs from 'node:fs';
import path from 'node:path';
import { PasswordVault } from '../directory/passwords';

/**
 * The relay host password, kept sealed (AES-GCM with the engine's secrets key) in
 * <data>/secrets/relay-host-password, mode 0600. It is never shown back: GraphQL can
 * set or clear it and tell whether one is set. The user name is the relayHostUsername setting.
 */
export class RelayCredentials {
  private readonly vault: PasswordVault;
  private readonly file: string;

  constructor(secretsDir: string) {
    this.vault = new PasswordVault(secretsDir);
    this.file = path.join(secretsDir, 'relay-host-password');
  }

  /** An empty password removes it. */
  setPassword(password: string): void {
    if (!password) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, this.vault.seal(password), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  hasPassword(): boolean {
    return fs.existsSync(this.file);
  }

  password(): string | undefined {
    try {
      return this.vault.open(fs.readFileSync(this.file, 'utf8').trim());
    } catch {
      return undefined;
    }
  }
}
