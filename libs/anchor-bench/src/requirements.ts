// Whether an anchor can run on this machine. The bench never installs anything: a missing anchor makes its rows say
// what is missing and the command that installs it, and the rest of the table is still measured.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Requirement } from './anchor-row';

/** The first requirement this machine lacks, in words with the install command, or undefined when all are met. */
export function missingRequirement(requirements: readonly Requirement[]): string | undefined {
  for (const requirement of requirements) {
    if (!isMet(requirement)) {
      const what =
        requirement.kind === 'binary' ? requirement.path : `${requirement.python} module ${requirement.module}`;
      return `${what} is missing: apt-get install ${requirement.debianPackage}`;
    }
  }
  return undefined;
}

function isMet(requirement: Requirement): boolean {
  if (requirement.kind === 'binary') {
    try {
      accessSync(requirement.path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  const probe = spawnSync(requirement.python, ['-c', `import ${requirement.module}`], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Debian's Python, where python3-grpcio and python3-gmpy2 install (a pyenv python3 on PATH would not see them). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
