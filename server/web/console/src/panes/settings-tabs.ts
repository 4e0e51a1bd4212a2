/**
 * The seed's Mail Settings tabs (Server Admin: General, Relay, Filters, Logging, Advanced) and the
 * settings each one shows, in the seed's order (docs/settings.md). A setting the API gains later and
 * no tab names yet appears in Advanced under "Other", so nothing the API offers is hidden.
 */
export interface SettingsSection {
  title: string;
  keys: string[];
}

export interface SettingsTab {
  /** The URL part: /settings/<id>. */
  id: string;
  title: string;
  sections: SettingsSection[];
}

export const SETTINGS_TABS: SettingsTab[] = [
  {
    id: 'general',
    title: 'General',
    sections: [
      { title: 'Services', keys: ['smtpEnabled', 'smtpAllowIncoming', 'popEnabled', 'imapEnabled', 'imapMaxConnections', 'imapMaxCommandsPerSecond', 'listsEnabled'] },
      { title: 'Outgoing mail', keys: ['relayHost', 'relayHostUsername', 'holdOutbound', 'blockInbound'] },
      { title: 'Undeliverable and archived mail', keys: ['copyUndeliverableTo', 'catchAllAccount', 'archiveCopyTo'] },
    ],
  },
  {
    id: 'relay',
    title: 'Relay',
    sections: [
      { title: 'Relay', keys: ['relayRestricted', 'relayAllowedHosts', 'refuseHostsEnabled', 'refusedHosts', 'rblEnabled', 'rblServers'] },
    ],
  },
  {
    id: 'filters',
    title: 'Filters',
    sections: [
      {
        title: 'Junk mail',
        keys: [
          'junkScanEnabled', 'junkPermissiveness', 'junkAction', 'junkRedirectTo', 'junkNotify', 'junkTagSubject', 'junkSubjectTag', 'junkEncapsulate',
          'junkAcceptedLanguages', 'junkAcceptedLocales', 'junkSpamdEnabled', 'junkSpamdAddress', 'junkTrainingSchedule', 'junkLearnFromMailboxes',
        ],
      },
      {
        title: 'Viruses',
        keys: ['virusScanEnabled', 'virusAction', 'virusNotify', 'virusNotifyRecipient', 'clamdAddress', 'virusUpdateSchedule', 'virusDatabaseMirror', 'virusPrivateMirror', 'virusUpdateProxy', 'virusDatabaseDir'],
      },
    ],
  },
  {
    id: 'logging',
    title: 'Logging',
    sections: [
      { title: 'Log detail', keys: ['logLevelServer', 'logLevelSmtp', 'logLevelImapPop', 'logLevelJunk', 'logLevelJobs'] },
      { title: 'Log archives', keys: ['logArchiveDays', 'logArchiveKeepDays', 'logArchiveSchedule'] },
    ],
  },
  {
    id: 'advanced',
    title: 'Advanced',
    sections: [
      {
        title: 'Security',
        keys: [
          'smtpSsl', 'imapPopSsl', 'allowPlaintextAuthWithoutTls', 'smtpAuthPlain', 'smtpAuthLogin', 'smtpAuthCramMd5', 'imapAuthClear', 'imapAuthPlain', 'imapAuthLogin', 'imapAuthCramMd5',
          'popAuthClear', 'popAuthApop', 'popAuthPlain', 'popAuthLogin', 'popAuthCramMd5', 'tlsProfile', 'selfSignedKeyType',
        ],
      },
      {
        title: 'Quotas',
        keys: [
          'maxMessageSizeEnabled', 'maxMessageSizeMb', 'diskReserveMb', 'quotaWarningsEnabled', 'quotaWarningPercent', 'quotaWarningIntervalDays', 'quotaWarningMessage',
          'overQuotaNoticeEnabled', 'overQuotaMessage', 'disableMailboxOverQuota', 'localDeliveryLifetimeHours',
        ],
      },
      { title: 'Hosting and access', keys: ['storeLocations', 'serviceAccessRestricted', 'serviceAccessAllowed', 'mailAdministrators'] },
      { title: 'Sender authentication', keys: ['smtpRestrictSenderAddresses', 'dkimSigningEnabled', 'dkimEd25519Signature', 'inboundAuthChecks', 'dmarcRejectFailures'] },
      { title: 'Sieve and ManageSieve', keys: ['sieveFileintoCreatesMailbox', 'sieveMaxScriptsPerUser', 'sieveMaxStoragePerUserKb', 'sieveMaxRunMs', 'manageSieveLegacyPortEnabled', 'manageSieveLegacyPort'] },
      {
        title: 'Limits',
        keys: [
          'smtpMaxConnections', 'popMaxConnections', 'maxConnectionsPerIp', 'maxUnauthenticatedPerIp', 'unauthenticatedConnectionsPercent', 'loginTimeoutSeconds', 'smtpEarlyTalkerWaitMs',
          'smtpGreetingPassHours', 'maxLineLength', 'maxRecipientsPerMessage', 'authFailureDelayMs', 'authMaxFailures', 'authThrottleMaxDelaySeconds', 'authLockoutFailures', 'authLockoutMinutes',
        ],
      },
      { title: 'Certificates and MTA-STS', keys: ['acmeDirectoryUrl', 'acmeContactEmail', 'acmeChallenge', 'certificateRenewalSchedule', 'mtaStsMode'] },
      { title: 'Maintenance', keys: ['backupDirectory', 'backupSchedule', 'backupKeep', 'repairSchedule', 'sieveVacationPruneSchedule'] },
      { title: 'Monitoring', keys: ['metricsListen', 'alertRecipient', 'alertDiskFreeMb', 'alertQueueMessages', 'alertQueueAgeHours', 'alertJobFailures', 'alertVirusDatabaseAgeDays'] },
    ],
  },
];

/** The tabs with every setting the API has: keys no section names go to Advanced, "Other"; keys the API lacks are dropped. */
export function tabsFor(allKeys: readonly string[]): SettingsTab[] {
  const known = new Set(allKeys);
  const placed = new Set(SETTINGS_TABS.flatMap((t) => t.sections.flatMap((s) => s.keys)));
  const other = allKeys.filter((k) => !placed.has(k));
  return SETTINGS_TABS.map((tab) => {
    const sections = tab.sections.map((s) => ({ ...s, keys: s.keys.filter((k) => known.has(k)) })).filter((s) => s.keys.length > 0);
    if (tab.id === 'advanced' && other.length > 0) sections.push({ title: 'Other', keys: other });
    return { ...tab, sections };
  });
}
