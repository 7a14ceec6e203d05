// Types for chromium.mjs, for the TypeScript that imports it.
export declare const chromiumLaunchOptions: { executablePath: string; args: string[] };
