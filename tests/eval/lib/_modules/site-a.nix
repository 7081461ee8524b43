{ lib, ... }: {
  webserver.enable = true;
  webserver.workers = lib.mkDefault 4;
  webserver.virtualHosts."a.example" = {
    aliases = [ "www.a.example" ];
    locations = [ { path = "/"; body = "try_files $uri =404;"; } { path = "/private"; } ];
  };
}
