// wfctl: the command-line tool CI pipelines use to validate, push, deploy and run workflows.
return 0;
