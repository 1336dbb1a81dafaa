# LivePoll server image. Build: docker build -t livepoll . (docker-compose.yml does this for its nodes.)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The pages' front-end packages (SignalR's JavaScript client, a QR code maker) come from npm during the build.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/LivePoll.Server -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# A font with Kazakh and Russian letters for the shareable poll results images (/polls/{id}/results.png).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# Without Redis__Configuration the embedded store keeps its data in /app/data (Store__DataDirectory): mount a volume
# there (docker run -v livepoll-data:/app/data …) or it goes with the container.
# The image has no curl: the server itself probes its readiness.
HEALTHCHECK --interval=5s --timeout=6s --retries=6 CMD ["dotnet", "LivePoll.Server.dll", "--probe", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["dotnet", "LivePoll.Server.dll"]
