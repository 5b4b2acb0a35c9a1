// Stand-ins for the third-party images compose.yaml names (postgres, nginx, prom/prometheus,
// prom/alertmanager), for machines that cannot pull from registries: one Debian 12 root filesystem
// with Debian's packages of the same programs (mmdebstrap), imported once per role with the
// official image's entry point, user and working directory. compose.yaml stays as it is: its image
// names are variables (POSTGRES_IMAGE, …) that the container checks point at these. Differences
// from the official images are listed in docs/deploy.md ("verified on"). Mailpit's stand-in is the
// project's own notification sink (SMTP 1025, web 8025), built on the project image.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CACHE_KEY_LABEL, DEBIAN_SUITE } from './base-image.js';
import { podman, podmanOk, run } from './podman.js';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const PACKAGES = ['postgresql-15', 'prometheus', 'prometheus-alertmanager', 'nginx-light', 'gettext-base'];
const NOBODY = 65534;

/** compose.yaml's image variable → the stand-in's repository and how the official image starts. */
const ROLES = {
  POSTGRES_IMAGE: {
    name: 'postgres',
    changes: [
      'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV PGDATA=/var/lib/postgresql/data',
      'ENTRYPOINT ["/usr/local/bin/standin-postgres"]',
      'STOPSIGNAL SIGINT',
      'EXPOSE 5432',
    ],
  },
  NGINX_IMAGE: {
    name: 'nginx',
    changes: ['ENTRYPOINT ["/usr/local/bin/standin-nginx"]', 'CMD ["nginx", "-g", "daemon off;"]', 'STOPSIGNAL SIGQUIT', 'EXPOSE 80'],
  },
  PROMETHEUS_IMAGE: {
    name: 'prometheus',
    changes: ['ENTRYPOINT ["/usr/bin/prometheus"]', 'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]', 'USER nobody', 'WORKDIR /prometheus', 'EXPOSE 9090'],
  },
  ALERTMANAGER_IMAGE: {
    name: 'alertmanager',
    changes: ['ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]', 'CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]', 'USER nobody', 'WORKDIR /alertmanager', 'EXPOSE 9093'],
  },
} as const;
export type StandinVariable = keyof typeof ROLES | 'MAILPIT_IMAGE';

function standinKey(): string {
  const hash = createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url)));
  for (const script of ['standins/postgres-entrypoint.sh', 'standins/nginx-entrypoint.sh']) hash.update(readFileSync(here(script)));
  return hash.digest('hex').slice(0, 16);
}

async function mustRun(command: string, args: string[], what: string): Promise<void> {
  const result = await run(command, args, { timeoutMs: 20 * 60_000 });
  if (result.code !== 0) throw new Error(`${what} failed (${command} exited ${result.code}):\n${result.stderr.slice(-3000)}`);
}

/** Builds the Debian stand-ins unless they exist for the same inputs; returns compose's image variables. */
export async function ensureStandinImages(projectImage: string, log: (line: string) => void = () => {}): Promise<Record<StandinVariable, string>> {
  const key = standinKey();
  const images = Object.fromEntries(Object.entries(ROLES).map(([variable, role]) => [variable, `localhost/ticketpulse-ci/${role.name}-standin:${key}`])) as Record<keyof typeof ROLES, string>;
  const missing: Array<keyof typeof ROLES> = [];
  for (const variable of Object.keys(ROLES) as Array<keyof typeof ROLES>) {
    if ((await podman(['image', 'exists', images[variable]])).code !== 0) missing.push(variable);
  }
  if (missing.length > 0) {
    log(`building the Debian stand-ins ${missing.join(', ')} (mmdebstrap ${DEBIAN_SUITE} + ${PACKAGES.join(' ')})`);
    const work = mkdtempSync(join(tmpdir(), 'tp-ci-standins-'));
    try {
      const root = join(work, 'rootfs');
      await mustRun('mmdebstrap', ['--quiet', '--variant=minbase', '--mode=root', '--aptopt=APT::Install-Recommends "false"', `--include=${PACKAGES.join(',')}`, DEBIAN_SUITE, root], 'mmdebstrap (stand-ins)');
      cpSync(here('standins/postgres-entrypoint.sh'), join(root, 'usr/local/bin/standin-postgres'));
      cpSync(here('standins/nginx-entrypoint.sh'), join(root, 'usr/local/bin/standin-nginx'));
      chmodSync(join(root, 'usr/local/bin/standin-postgres'), 0o755);
      chmodSync(join(root, 'usr/local/bin/standin-nginx'), 0o755);
      // The official nginx image: only conf.d (no Debian default site), logs to the container's output.
      rmSync(join(root, 'etc/nginx/sites-enabled'), { recursive: true, force: true });
      mkdirSync(join(root, 'etc/nginx/sites-enabled'));
      rmSync(join(root, 'etc/nginx/conf.d'), { recursive: true, force: true });
      mkdirSync(join(root, 'etc/nginx/conf.d'));
      for (const [log, target] of [['access.log', '/dev/stdout'], ['error.log', '/dev/stderr']]) {
        rmSync(join(root, 'var/log/nginx', log!), { force: true });
        symlinkSync(target!, join(root, 'var/log/nginx', log!));
      }
      // Named volumes first mounted here take these owners, as with the official images.
      for (const dir of ['prometheus', 'alertmanager']) {
        mkdirSync(join(root, dir), { recursive: true });
        chownSync(join(root, dir), NOBODY, NOBODY);
      }
      mkdirSync(join(root, 'var/lib/postgresql/data'), { recursive: true });
      await mustRun('tar', ['-C', root, '--numeric-owner', '-cf', join(work, 'rootfs.tar'), '.'], 'tar the stand-ins root filesystem');
      rmSync(root, { recursive: true, force: true });
      for (const variable of missing) {
        const changes = [...ROLES[variable].changes, `LABEL ${CACHE_KEY_LABEL}=${key}`].flatMap((change) => ['--change', change]);
        await podmanOk(['import', ...changes, join(work, 'rootfs.tar'), images[variable]], { timeoutMs: 10 * 60_000 });
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { ...images, MAILPIT_IMAGE: await ensureMailpitStandin(projectImage, key) };
}

/** Mailpit's two ports (SMTP 1025, web 8025), served by the project's own sink on the project image. */
async function ensureMailpitStandin(projectImage: string, key: string): Promise<string> {
  const projectId = (await podmanOk(['image', 'inspect', '--format', '{{.Id}}', projectImage])).trim().slice(0, 12);
  const image = `localhost/ticketpulse-ci/mailpit-standin:${key}-${projectId}`;
  if ((await podman(['image', 'exists', image])).code === 0) return image;
  const work = mkdtempSync(join(tmpdir(), 'tp-ci-mailpit-'));
  try {
    // A metadata-only build (no RUN, no COPY): the sink's command and ports on the project image.
    const containerfile = join(work, 'Containerfile');
    const lines = [
      `FROM ${projectImage}`,
      'ENV SINK_HOST=0.0.0.0 SINK_SMTP_PORT=1025 SINK_HTTP_PORT=8025',
      'HEALTHCHECK NONE',
      'CMD ["node", "apps/sink/cli.js"]',
    ];
    writeFileSync(containerfile, `${lines.join('\n')}\n`);
    await podmanOk(['build', '--layers=false', '--format', 'docker', '--label', `${CACHE_KEY_LABEL}=${key}`, '--tag', image, '--file', containerfile, work], { timeoutMs: 20 * 60_000 });
    return image;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
