// The demo pipelines as a definitions file: `hotdata-dlt --config examples/hotdata-dlt.config.ts list`.
// Copy it next to your own code and replace the demos with your sources.
import { basicDemo, defineConfig, fredDemo, incrementalDemo, linearDemo } from '@hotdata-dlt/runner';

export default defineConfig({
  pipelines: [
    basicDemo(),
    incrementalDemo({ schedule: '*/10 * * * * *' }),
    fredDemo(),
    linearDemo({ teams: ['ENG'] }),
  ],
});
