// Container checks' command line (CI's container stage runs `images` before the tests):
//   tsx tools/containers/cli.ts images   build (or reuse) the base, project and stand-in images, print timings
//   tsx tools/containers/cli.ts check    exit 0 when podman can run containers here, else say why
//   tsx tools/containers/cli.ts clean    remove every tp-ci- container, pod, network and volume
import { ensureProjectImage } from './project-image.js';
import { ensureStandinImages } from './standin-images.js';
import { podmanUnavailable } from './podman.js';
import { removeLeftovers } from './cleanup.js';

const USAGE = 'usage: tsx tools/containers/cli.ts <images|check|clean>';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'check': {
      const reason = await podmanUnavailable();
      console.log(reason ? `containers: skipped, ${reason}` : 'containers: podman can run containers here');
      return reason ? 1 : 0;
    }
    case 'images': {
      const reason = await podmanUnavailable();
      if (reason) {
        console.log(`containers: skipped, ${reason}`);
        return 0;
      }
      const started = Date.now();
      const result = await ensureProjectImage((line) => console.log(line));
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const how = (built: boolean) => (built ? 'built' : 'cached');
      console.log(`base ${result.baseImage} (${how(result.built.base)}), project ${result.image} key ${result.key} (${how(result.built.project)}) in ${seconds} s`);
      const standinsStarted = Date.now();
      const standins = await ensureStandinImages(result.image, (line) => console.log(line));
      console.log(`stand-ins ${Object.values(standins).join(' ')} in ${((Date.now() - standinsStarted) / 1000).toFixed(0)} s`);
      return 0;
    }
    case 'clean': {
      const removed = await removeLeftovers();
      console.log(`removed ${removed.length ? removed.join(', ') : 'nothing'}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`containers: ${error.message}`);
    process.exit(1);
  },
);
