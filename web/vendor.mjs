// Copies the browser builds of the pinned libraries into vendor/ (run
// `npm install && npm run vendor` after changing a version in package.json).
// The server embeds vendor/ at compile time; nothing is fetched at run time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const files = {
  "react/umd/react.production.min.js": "react.production.min.js",
  "react-dom/umd/react-dom.production.min.js": "react-dom.production.min.js",
  "graphiql/graphiql.min.js": "graphiql.min.js",
  "graphiql/graphiql.min.css": "graphiql.min.css",
  "graphql-ws/umd/graphql-ws.min.js": "graphql-ws.min.js",
  "mermaid/dist/mermaid.min.js": "mermaid.min.js",
};
mkdirSync("vendor", { recursive: true });
const versions = [];
for (const [from, to] of Object.entries(files)) {
  // Drop source-map comments: the maps are not shipped.
  const text = readFileSync(`node_modules/${from}`, "utf8").replace(/\n?\/[/*]# sourceMappingURL=[^\n]*$/gm, "");
  writeFileSync(`vendor/${to}`, text);
  const name = from.split("/")[0];
  const { version, license } = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
  versions.push(`${to}: ${name} ${version} (${license})`);
}
for (const name of ["react", "graphiql", "graphql-ws", "mermaid"]) {
  for (const file of ["LICENSE", "LICENSE.md"]) {
    try {
      copyFileSync(`node_modules/${name}/${file}`, `vendor/LICENSE.${name}`);
      break;
    } catch {}
  }
}
writeFileSync("vendor/VERSIONS", versions.join("\n") + "\n");
console.log(versions.join("\n"));
