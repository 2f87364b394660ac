module swiss-deploy/test/env/pause

go 1.21
