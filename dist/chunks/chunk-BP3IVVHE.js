import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import*as o from"child_process";import*as s from"util";var c=s.promisify(o.exec);export{c as a};
