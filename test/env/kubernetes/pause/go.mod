module swiss-deploy.test/kubernetes-pause

go 1.21
